"""Size bars: a fraction drawn with eighth-block characters, as ncdu and nix-tree-rs draw them."""

from __future__ import annotations

from textual.widgets import Static

_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar_text(fraction: float | None, width: int) -> str:
    """``fraction`` (0..1) of ``width`` cells as full and partial blocks, padded to ``width``.

    An unknown fraction (None) is a blank bar; a fraction that is not zero always shows at
    least a sliver, so small-but-present sizes stay visible.
    """
    if width <= 0:
        return ""
    if fraction is None or fraction <= 0:
        return " " * width
    eighths = min(width * 8, max(1, round(min(fraction, 1.0) * width * 8)))
    full, rest = divmod(eighths, 8)
    text = "█" * full + (_EIGHTHS[rest] if rest else "")
    return text.ljust(width)


class SizeBar(Static):
    """A one-line bar widget showing a fraction (for detail panes)."""

    DEFAULT_CSS = """
    SizeBar {
        height: 1;
        color: $accent;
    }
    """

    def __init__(self, fraction: float | None = None, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self._fraction = fraction

    def set_fraction(self, fraction: float | None) -> None:
        """Redraw with a new fraction."""
        self._fraction = fraction
        self.refresh()

    def render(self) -> str:
        """The bar across the widget's width."""
        return bar_text(self._fraction, self.size.width)
