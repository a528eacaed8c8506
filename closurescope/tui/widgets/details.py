"""Details: the few lines under a list that describe the highlighted row."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import Static


class Details(Static):
    """A fixed-height panel of ``label: value`` lines (plain text, never markup).

    Its height never depends on what it shows, so a new text only repaints it (a Static
    asks for a layout of the whole screen on every ``update`` by default).
    """

    DEFAULT_CSS = """
    Details {
        height: 6;
        padding: 0 1;
        border-top: solid $primary-darken-2;
        color: $text;
    }
    """

    def show(self, title: str, lines: Sequence[tuple[str, str]] = (), note: str = "") -> None:
        """Show a bold title, then one ``label  value`` line each, then an optional note."""
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(title, style="bold")
        width = max((len(label) for label, _ in lines), default=0)
        for label, value in lines:
            text.append("\n")
            text.append(label.ljust(width) + "  ", style="dim")
            text.append(value)
        if note:
            text.append("\n")
            text.append(note, style="italic")
        self.update(text, layout=False)

    def show_text(self, text: str) -> None:
        """Show plain text (no markup)."""
        self.update(Text(text, no_wrap=True, overflow="ellipsis"), layout=False)
