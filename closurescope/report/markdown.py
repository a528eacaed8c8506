"""GitHub-flavoured Markdown for pull-request comments (collapsible details)."""

from __future__ import annotations

from closurescope.report._rows import heaviest, short_id, summary_lines, tally_line
from closurescope.report.base import RenderOptions
from closurescope.report.document import Document
from closurescope.units import format_size

MAX_CHARS = 60_000
"""GitHub limits a comment to 65,536 characters; stay below with room for a header."""


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


class MarkdownReporter:
    """``--format markdown``: a summary table, the heaviest components and the findings."""

    name = "markdown"
    description = "GitHub-flavoured Markdown for a PR comment"

    def render(self, doc: Document, options: RenderOptions) -> str:
        """Markdown text that fits a PR comment."""
        out = [f"## closurescope: `{_cell(doc['source']['path'])}` — {tally_line(doc)}", ""]
        out += ["| | |", "|---|---|"]
        out += [f"| {label} | {_cell(value)} |" for label, value in summary_lines(doc)]
        out += ["", f"### Heaviest components (top {options.top})", ""]
        out += ["| component | self | closure | added |", "|---|---:|---:|---:|"]
        for c in heaviest(doc, options.top):
            out.append(
                f"| `{_cell(short_id(c))}` | {format_size(c['self_size'])} | "
                f"{format_size(c['closure_size'])} | {format_size(c['added_size'])} |"
            )
        findings = doc["findings"]
        out += ["", f"### Findings ({len(findings)})", ""]
        if not findings:
            out.append("None.")
        for f in findings:
            saving = f" — saves {format_size(f['saving'])}" if f["saving"] else ""
            block = [
                "<details>",
                f"<summary><b>{f['rule_id']}</b> {_cell(f['title'])}{saving}</summary>",
                "",
            ]
            block += [f"- `{_cell(s)}`" for s in f["subjects"][:20]]
            if len(f["subjects"]) > 20:
                block.append(f"- … and {len(f['subjects']) - 20} more")
            if f["fix"]:
                block += ["", f"**Fix:** {f['fix']['text']}"]
                if f["fix"]["snippet"]:
                    block += [
                        "",
                        f"```{f['fix']['snippet_lang'] or ''}",
                        f["fix"]["snippet"],
                        "```",
                    ]
            block += ["", "</details>"]
            if sum(len(x) + 1 for x in out) + sum(len(x) + 1 for x in block) > MAX_CHARS:
                out.append("_… more findings omitted to fit a comment; see the JSON report._")
                break
            out += block
        if doc["rules"]:
            out += ["", "### Rules", "", "| rule | status | message |", "|---|---|---|"]
            out += [
                f"| {r['rule_id']} | {r['status'].upper()} | {_cell(r['message'])} |"
                for r in doc["rules"]
            ]
        return "\n".join(out) + "\n"


REPORTER = MarkdownReporter()
