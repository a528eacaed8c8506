"""The findings view: every finding, biggest saving first; Enter shows its subject."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Header

from closurescope.analysis.result import AnalysisResult
from closurescope.model import Closure, Finding, NodeId
from closurescope.tui.messages import JumpToComponent, JumpToPath
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.key_bar import KeyBar
from closurescope.tui.widgets.path_list import LazyRows, PathList, Row
from closurescope.units import format_size


def _saving(finding: Finding) -> str:
    return format_size(finding.saving) if finding.saving is not None else "-"


class FindingsScreen(Screen[None]):
    """All findings sorted by saving; the details show subjects, evidence and the fix."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show_subject", "Show subject"),
        Binding("y", "copy_fix", "Copy fix"),
    ]

    def __init__(self, closure: Closure, result: AnalysisResult) -> None:
        super().__init__(name="findings")
        self.closure = closure
        self.result = result
        self.findings = tuple(sorted(result.findings, key=lambda f: f.sort_key))
        self.sub_title = "findings"

    def compose(self) -> ComposeResult:
        """The list over the details."""
        findings_list = self.findings

        def row(key: str) -> Row:
            f = findings_list[int(key)]
            return Row(
                key=key,
                label=f"{f.rule_id} {f.title}",
                cells=(f.severity.name.lower(), _saving(f)),
                marker="!",
            )

        rows = LazyRows([str(i) for i in range(len(findings_list))], row)
        yield Header()
        findings = PathList(rows, cell_widths=(8, 10), id="findings", empty_text="(no findings)")
        total = sum(f.saving or 0 for f in self.findings)
        findings.border_title = f"{len(findings_list)} findings, up to {format_size(total)} to save"
        findings.border_subtitle = "Enter: show the subject"
        yield findings
        yield Details(id="finding-details")
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the list and describe the first finding."""
        self.query_one("#findings", PathList).focus()
        self._show(0)

    @property
    def current(self) -> Finding | None:
        """The highlighted finding."""
        row = self.query_one("#findings", PathList).current
        return self.findings[int(row.key)] if row is not None else None

    def _show(self, index: int) -> None:
        details = self.query_one("#finding-details", Details)
        if not self.findings:
            details.show("nothing to fix", [("", "no rule found anything to report")])
            return
        f = self.findings[index]
        subjects = ", ".join(f.subjects[:3]) + (
            f" (+{len(f.subjects) - 3})" if len(f.subjects) > 3 else ""
        )
        lines = [("subjects", subjects), ("saving", _saving(f))]
        if f.evidence:
            lines.append(("evidence", f.evidence[0]))
        if f.fix is not None:
            lines.append(("fix", f.fix.text))
        details.show(f"{f.rule_id} {f.title}", lines)

    def on_path_list_highlighted(self, message: PathList.Highlighted) -> None:
        """Describe the highlighted finding."""
        self._show(message.index)

    def on_path_list_selected(self, message: PathList.Selected) -> None:
        """Enter on a finding shows its subject."""
        self.action_show_subject()

    def action_show_subject(self) -> None:
        """Jump to the first subject: a component in the browser, a path in the files view."""
        finding = self.current
        if finding is None:
            return
        files = self.closure.files
        for subject in finding.subjects:
            if subject in self.closure.graph:
                self.app.post_message(JumpToComponent(NodeId(subject)))
                return
            if files is not None and subject.strip("/") in files:
                self.app.post_message(JumpToPath(subject.strip("/")))
                return
        self.notify("the subject is neither a component nor a file here", timeout=2)

    def action_copy_fix(self) -> None:
        """Copy the fix's snippet (or its text)."""
        finding = self.current
        if finding is None or finding.fix is None:
            return
        self.app.copy_to_clipboard(finding.fix.snippet or finding.fix.text)
        self.notify("copied the fix", timeout=2)
