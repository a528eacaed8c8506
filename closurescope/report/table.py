"""Terminal tables (tabulate + humanized sizes): the default human report."""

from __future__ import annotations

import re

from tabulate import tabulate

from closurescope.report._rows import (
    heaviest,
    short_id,
    summary_lines,
    tally_line,
    verdict_word,
)
from closurescope.report.base import RenderOptions
from closurescope.report.document import Document
from closurescope.units import format_size


class TableReporter:
    """``--format table``: summary, heaviest components, findings, rule verdicts."""

    name = "table"
    description = "human-readable tables (default on a terminal)"

    def render(self, doc: Document, options: RenderOptions) -> str:
        """Plain text, no colour codes unless options.color."""
        out: list[str] = []
        out.append(tabulate(summary_lines(doc), tablefmt="plain"))
        rows = [
            [
                short_id(c),
                format_size(c["self_size"]),
                format_size(c["closure_size"]),
                format_size(c["added_size"]),
                c["closure_count"],
            ]
            for c in heaviest(doc, options.top)
        ]
        out.append("")
        out.append(f"Heaviest components (top {len(rows)} of {doc['summary']['components']}):")
        out.append(
            tabulate(
                rows,
                headers=["component", "self", "closure", "added", "paths"],
                tablefmt="simple",
                colalign=("left", "right", "right", "right", "right"),
            )
        )
        findings = doc["findings"]
        out.append("")
        if findings:
            out.append(f"Findings ({len(findings)}):")
            frows = [
                [
                    f["rule_id"],
                    f["severity"],
                    format_size(f["saving"]) if f["saving"] is not None else "-",
                    _clip(f["title"], 70),
                ]
                for f in findings[: max(options.top, 20)]
            ]
            out.append(
                tabulate(
                    frows, headers=["rule", "severity", "saving", "finding"], tablefmt="simple"
                )
            )
            if len(findings) > len(frows):
                out.append(f"… and {len(findings) - len(frows)} more (use --format json for all)")
        else:
            out.append("Findings: none")
        if doc["rules"]:
            out.append("")
            out.append("Evaluation:")
            for r in doc["rules"]:
                msg = f" ({r['message']})" if r["message"] else ""
                out.append(f"  {verdict_word(doc, r):<5} {r['rule_id']}{msg}")
        for line in doc["diagnostics"]:
            out.append(f"note: {line}")
        out.append("")
        out.append(tally_line(doc))
        return "\n".join(out) + "\n"


_STORE_HASH = re.compile(r"/nix/store/[0123456789abcdfghijklmnpqrsvwxyz]{32}-")


def _clip(text: str, width: int) -> str:
    """Shorten store hashes (``/nix/store/…-name``), then cut to ``width``."""
    text = _STORE_HASH.sub("/nix/store/…-", text)
    return text if len(text) <= width else text[: width - 1] + "…"


REPORTER = TableReporter()
