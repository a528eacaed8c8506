"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding."""

from __future__ import annotations

from closurescope.report._rows import tally_line
from closurescope.report.base import RenderOptions
from closurescope.report.document import Document
from closurescope.units import format_size

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def escape_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command property value (also ``:`` and ``,``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


class GithubReporter:
    """``--format github``: annotations on the workflow run (and a step summary, see the CLI)."""

    name = "github"
    description = (
        "GitHub Actions annotations (::error …); step summary when GITHUB_STEP_SUMMARY is set"
    )

    def render(self, doc: Document, options: RenderOptions) -> str:
        """Annotations for findings and failed rules, then the tally as a notice."""
        out: list[str] = []
        source = doc["source"]["path"]
        seen = set()
        for f in doc["findings"]:
            seen.add(f["rule_id"])
            msg = f["title"]
            if f["saving"]:
                msg += f" (saves {format_size(f['saving'])})"
            if f["fix"]:
                msg += f"\nFix: {f['fix']['text']}"
            title = escape_property(f"{f['rule_id']} {source}")
            out.append(f"::{COMMANDS[f['severity']]} title={title}::{escape_data(msg)}")
        for r in doc["rules"]:
            if r["status"] == "fail" and r["rule_id"] not in seen:
                title = escape_property(f"{r['rule_id']} {source}")
                out.append(
                    f"::{COMMANDS[r['severity']]} title={title}::{escape_data(r['message'])}"
                )
        out.append(f"::notice title=closurescope::{escape_data(tally_line(doc))}")
        return "\n".join(out) + "\n"


REPORTER = GithubReporter()
