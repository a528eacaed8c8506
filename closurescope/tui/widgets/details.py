"""Details: the few lines under a list that describe the highlighted row."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget


class Details(Widget):
    """A fixed-height panel of ``label: value`` lines (plain text, never markup).

    Its height never depends on what it shows, so a new text only repaints it: Textual's
    Static asks for a layout of the whole screen on every ``update`` (it may change size).
    """

    DEFAULT_CSS = """
    Details {
        height: 6;
        padding: 0 1;
        border-top: solid $primary-darken-2;
        color: $text;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._text = Text()

    def render(self) -> Text:
        """The text last shown."""
        return self._text

    def _set(self, text: Text) -> None:
        if text.plain != self._text.plain or text.spans != self._text.spans:
            self._text = text
            self.refresh()

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
        self._set(text)

    def show_text(self, text: str) -> None:
        """Show plain text (no markup)."""
        self._set(Text(text, no_wrap=True, overflow="ellipsis"))
