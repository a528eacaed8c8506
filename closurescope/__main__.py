"""``python -m closurescope``."""

from __future__ import annotations

from closurescope.cli import entry

entry()
