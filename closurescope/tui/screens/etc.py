"""The /etc view: the suggested subset of /etc to keep, with reasons, and what dropping saves.

Shown only when the analysis produced ``result.metrics["etc"]``. Expected shape (a mapping,
or an object with the same attributes)::

    {
        "keep": [{"path": "etc/passwd", "reason": "getpwnam in bin/app", "size": 1234}, ...],
        "drop": [{"path": "etc/X11", "reason": "no X client", "size": 56789}, ...],
        "saving": 56789,          # bytes dropping saves (int, optional)
        "notes": ["..."],         # optional free text lines
        "snippets": {"nix": "...", "dockerfile": "..."},   # optional fixes (y copies one)
        "applicable": False, "reason": "...",              # optional: why it does not apply
    }

This is the shape ``closurescope.analysis.etc`` writes (its other keys are ignored here).

``keep``/``drop`` items may also be bare path strings; ``reason`` and ``size`` are optional.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Header

from closurescope.tui.messages import JumpToPath
from closurescope.tui.view import EtcItem, EtcView
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.key_bar import KeyBar
from closurescope.tui.widgets.path_list import PathList, Row, RowList
from closurescope.units import format_size


class EtcScreen(Screen[None]):
    """Keep (left) and drop (right) lists; the details give the reason."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "show_file", "Show file"),
        Binding("y", "copy_snippet", "Copy fix"),
    ]

    def __init__(self, view: EtcView, *, has_files: bool) -> None:
        super().__init__(name="etc")
        self.view = view
        self.has_files = has_files
        self.sub_title = "/etc subset"

    @staticmethod
    def _rows(items: tuple[EtcItem, ...]) -> RowList:
        return RowList([Row(i.path, i.path, (format_size(i.size),)) for i in items])

    def compose(self) -> ComposeResult:
        """Two lists over the details."""
        yield Header()
        with Horizontal(id="etc-columns"):
            keep = PathList(
                self._rows(self.view.keep), cell_widths=(10,), id="keep", empty_text="(nothing)"
            )
            keep.border_title = f"keep ({len(self.view.keep)})"
            yield keep
            drop = PathList(
                self._rows(self.view.drop), cell_widths=(10,), id="drop", empty_text="(nothing)"
            )
            drop.border_title = f"drop ({len(self.view.drop)})"
            drop.border_subtitle = f"saves {format_size(self.view.saving)}"
            yield drop
        yield Details(id="etc-details")
        yield KeyBar()

    def on_mount(self) -> None:
        """Focus the keep list."""
        self.query_one("#keep", PathList).focus()
        self._describe("keep", 0)

    def _describe(self, which: str, index: int) -> None:
        items = self.view.keep if which == "keep" else self.view.drop
        details = self.query_one("#etc-details", Details)
        notes = [("note", n) for n in self.view.notes[:2]]
        if not items:
            details.show(f"{which}: nothing", notes)
            return
        item = items[index]
        details.show(
            f"{which} /{item.path.lstrip('/')}",
            [("why", item.reason or "-"), ("size", format_size(item.size)), *notes],
        )

    def on_path_list_highlighted(self, message: PathList.Highlighted) -> None:
        """Say why the highlighted entry is kept or dropped."""
        self._describe(message.path_list.id or "keep", message.index)

    def on_descendant_focus(self) -> None:
        """Describe the focused list's highlighted entry."""
        focused = self.focused
        if isinstance(focused, PathList) and focused.id in {"keep", "drop"}:
            self._describe(focused.id, focused.cursor)

    def action_copy_snippet(self) -> None:
        """Copy the suggested fix (the Nix snippet first, else Dockerfile, else shell)."""
        snippets = dict(self.view.snippets)
        for lang in ("nix", "dockerfile", "shell", *snippets):
            if lang in snippets:
                self.app.copy_to_clipboard(snippets[lang])
                self.notify(f"copied the {lang} snippet", timeout=2)
                return
        self.notify("no snippet for this suggestion", timeout=2)

    def on_path_list_selected(self, message: PathList.Selected) -> None:
        """Enter (or double click) on an entry shows it in the files view."""
        self.action_show_file()

    def action_show_file(self) -> None:
        """Show the highlighted entry in the files view."""
        focused = self.focused
        if self.has_files and isinstance(focused, PathList) and focused.current is not None:
            self.app.post_message(JumpToPath(focused.current.key.strip("/")))
