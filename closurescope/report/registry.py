"""The built-in reporters, in ``--format`` help order."""

from __future__ import annotations

from closurescope.report import json, markdown, table
from closurescope.report.base import Reporter

REPORTERS: tuple[Reporter, ...] = (
    table.REPORTER,
    markdown.REPORTER,
    json.REPORTER,
)
