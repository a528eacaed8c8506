"""The built-in reporters, in ``--format`` help order."""

from __future__ import annotations

from closurescope.report import github, json, junit, markdown, sarif, table
from closurescope.report.base import Reporter

REPORTERS: tuple[Reporter, ...] = (
    table.REPORTER,
    markdown.REPORTER,
    json.REPORTER,
    sarif.REPORTER,
    junit.REPORTER,
    github.REPORTER,
)
