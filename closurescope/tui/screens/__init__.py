"""One screen per file: browse, why (modal), search (modal), files, findings, etc, help."""

from __future__ import annotations
