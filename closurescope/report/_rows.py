"""Row selection shared by the table and markdown reporters (pure helpers over a Document)."""

from __future__ import annotations

from typing import Any

from closurescope.report.document import Document
from closurescope.units import format_size


def heaviest(doc: Document, top: int) -> list[dict[str, Any]]:
    """The ``top`` components by closure size (then self size, then id)."""

    def key(c: dict[str, Any]) -> tuple[int, int, str]:
        return (-(c["closure_size"] or -1), -(c["self_size"] or -1), c["id"])

    return sorted(doc["components"], key=key)[:top]


def short_id(component: dict[str, Any]) -> str:
    """A component's name with its version, or its id when it has no name."""
    return str(component["name"] or component["id"])


def _roots(doc: Document, shown: int = 4) -> str:
    names = {c["id"]: c["name"] or c["id"] for c in doc["components"]}
    roots = [names.get(r, r) for r in doc["summary"]["roots"]]
    more = f" … (+{len(roots) - shown})" if len(roots) > shown else ""
    return ", ".join(roots[:shown]) + more


def summary_lines(doc: Document) -> list[tuple[str, str]]:
    """(label, value) pairs for the header of human reports."""
    s = doc["summary"]
    src = doc["source"]
    lines = [
        ("input", f"{src['path']} ({src['format']})"),
        ("components", f"{s['components']} ({s['references']} references)"),
        ("roots", _roots(doc)),
        ("total size", format_size(s["total_size"])),
    ]
    if s["files"] is not None:
        lines.append(("files", f"{s['files']} ({format_size(s['file_bytes'])})"))
    if s["layers"]:
        lines.append(("layers", str(s["layers"])))
    layers = doc["metrics"].get("layers")
    if layers:
        eff = layers.get("efficiency")
        lines.append(("efficiency", "n/a" if eff is None else f"{eff * 100:.2f} %"))
        lines.append(
            ("wasted bytes", f"{format_size(layers.get('wasted_bytes'))} (dive's meaning)")
        )
        if layers.get("reclaimable_bytes") is not None:
            lines.append(("reclaimable", format_size(layers.get("reclaimable_bytes"))))
    if s["total_saving"] is not None:
        lines.append(("possible saving", format_size(s["total_saving"])))
    return lines


_SEVERITY_RANK = {"info": 10, "warning": 20, "error": 30}


def verdict_word(doc: Document, rule: dict[str, Any]) -> str:
    """PASS, FAIL, WARN (failed below --fail-on, so it does not gate) or SKIP."""
    status = str(rule["status"]).upper()
    if status == "FAIL":
        fail_on = _SEVERITY_RANK[doc["summary"].get("fail_on", "error")]
        if _SEVERITY_RANK[rule["severity"]] < fail_on:
            return "WARN"
    return status


def tally_line(doc: Document) -> str:
    """dive's closing line: ``PASS [pass:3 warn:1 skip:1]`` (only the non-zero counts)."""
    words = [verdict_word(doc, r) for r in doc["rules"]]
    parts = [
        f"{w.lower()}:{words.count(w)}" for w in ("PASS", "FAIL", "WARN", "SKIP") if w in words
    ]
    verdict = "PASS" if doc["summary"]["passed"] else "FAIL"
    return f"{verdict} [{' '.join(parts)}]" if parts else f"{verdict} [no rules evaluated]"
