"""The help modal: generated from the bindings of the screen below and of the App (``?``).

Installed once and composed before the first frame: ``?`` gives it the keys of the view it
opens over (``prepare``) and pushes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from closurescope.tui.widgets.path_list import PathList, Row, RowList

_KEY_NAMES = {
    "slash": "/",
    "question_mark": "?",
    "backspace": "⌫",
    "escape": "esc",
    "enter": "⏎",
    "right": "→",
    "left": "←",
    "up": "↑",
    "down": "↓",
}


def key_label(keys: str) -> str:
    """``right,l`` → ``→ l``."""
    return " ".join(_KEY_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))


def binding_rows(groups: Iterable[tuple[str, Iterable[BindingType]]]) -> list[Row]:
    """One row per binding (``key  description``), grouped under a heading row per group."""
    rows: list[Row] = []
    for title, bindings in groups:
        rows.append(Row(f"#{title}", title, dim=True))
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            label = f"  {key_label(binding.key):<14} {binding.description}"
            rows.append(Row(binding.action, label))
    return rows


class HelpScreen(ModalScreen[None]):
    """Every key of the current view and of the app, read from their BINDINGS."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def __init__(self, groups: list[tuple[str, list[BindingType]]] | None = None) -> None:
        super().__init__(name="help")
        self.groups = groups or []

    def prepare(self, groups: list[tuple[str, list[BindingType]]]) -> None:
        """List the keys of ``groups`` (a heading and its bindings each; before each push)."""
        self.groups = groups
        if self.is_mounted:
            keys = self.query_one("#help-keys", PathList)
            keys.set_rows(RowList(binding_rows(groups)))
            keys.focus()

    def compose(self) -> ComposeResult:
        """A title over the key list."""
        with Vertical(id="help-dialog", classes="dialog"):
            yield Label(
                "Keys (mouse: click a row, double click opens, wheel scrolls)", classes="title"
            )
            yield PathList(RowList(binding_rows(self.groups)), id="help-keys")

    def on_mount(self) -> None:
        """Focus the list so it scrolls with the arrows."""
        self.query_one("#help-keys", PathList).focus()

    def action_close(self) -> None:
        """Back to the view."""
        self.dismiss(None)
