"""Stable JSON: sorted keys, two-space indent, the versioned schema of report.document."""

from __future__ import annotations

import json

from closurescope.report.base import RenderOptions
from closurescope.report.document import Document


class JsonReporter:
    """``--format json``: the whole ReportDocument (schema in docs/reference/report.schema.json)."""

    name = "json"
    description = "versioned JSON report (schema in docs/reference/report.schema.json)"

    def render(self, doc: Document, options: RenderOptions) -> str:
        """Sorted keys, no NaN, trailing newline."""
        return json.dumps(doc, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False) + "\n"


REPORTER = JsonReporter()
