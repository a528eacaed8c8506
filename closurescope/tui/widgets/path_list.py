"""PathList: a virtual list (Textual's line API) that renders only the rows on screen.

Rows come from a RowSource (``len()`` and ``row(i)``), so a list of 12,000 store paths or
200,000 files costs nothing until a row scrolls into view. Each row is a marker, a label,
right-aligned cells (sizes) and an optional size bar.

The list scrolls itself (it keeps the first row shown, ``top``) and draws its own one-cell
scrollbar in its last column, instead of being a Textual ScrollView: new rows, a move or a
scroll only repaint the list. A ScrollView changes its virtual size with the rows, and a
scrollbar that appears or goes away changes its width: both make Textual lay the whole
screen out again and paint two to four frames for one key (``→`` in the browser replaces
the rows of three lists; benchmarks/README.md, section "TUI").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Protocol

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from closurescope.tui.widgets.size_bar import bar_text


@dataclass(frozen=True, slots=True)
class Row:
    """One rendered row: what identifies it, and what it shows."""

    key: str
    """What the row stands for (a node id, an in-image path, a finding index)."""
    label: str
    cells: tuple[str, ...] = ()
    """Right-aligned columns after the label (sizes, counts)."""
    fraction: float | None = None
    """Size bar fill (0..1); None draws no bar."""
    marker: str = " "
    """One character before the label (finding, duplicate, loop …)."""
    dim: bool = False
    """Draw the label dimmed (leaves, removed entries)."""


class RowSource(Protocol):
    """Anything that can say how many rows it has and build row ``i`` on demand."""

    def __len__(self) -> int:
        """Number of rows."""
        ...

    def row(self, index: int) -> Row:
        """Row ``index`` (0-based)."""
        ...


class LazyRows:
    """Rows built on demand from a sequence of keys, remembered once built."""

    __slots__ = ("_cache", "_keys", "_make")

    def __init__(self, keys: Sequence[str], make: Callable[[str], Row]) -> None:
        self._keys = keys
        self._make = make
        self._cache: dict[int, Row] = {}

    def __len__(self) -> int:
        return len(self._keys)

    def key(self, index: int) -> str:
        """The key of row ``index``."""
        return self._keys[index]

    def row(self, index: int) -> Row:
        """Row ``index``, built the first time it is asked for."""
        cached = self._cache.get(index)
        if cached is None:
            cached = self._make(self._keys[index])
            self._cache[index] = cached
        return cached


class RowList:
    """A RowSource over rows already built (small lists)."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def row(self, index: int) -> Row:
        """Row ``index``."""
        return self._rows[index]


EMPTY: RowSource = RowList(())

MIN_LABEL = 12
"""Fewest label cells a row keeps before it drops its size cells."""
WHEEL_ROWS = 3
"""Rows one step of the mouse wheel scrolls."""


def thumb_span(top: int, height: int, total: int) -> tuple[int, int]:
    """Scrollbar thumb ``(start, end)`` lines for rows ``top`` … ``top + height`` of ``total``."""
    if total <= height or height <= 0:
        return (0, height)
    length = max(1, round(height * height / total))
    start = round(top * (height - length) / max(1, total - height))
    return (start, start + length)


class PathList(Widget, can_focus=True):
    """A cursor over a virtual list of rows; posts Highlighted and Selected messages."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "path-list--cursor",
        "path-list--cursor-blurred",
        "path-list--bar",
        "path-list--marker",
        "path-list--cell",
        "path-list--dim",
        "path-list--scrollbar",
        "path-list--scrollbar-thumb",
    }

    DEFAULT_CSS = """
    PathList {
        height: 1fr;
    }
    PathList > .path-list--cursor { background: $accent; color: $text; text-style: bold; }
    PathList > .path-list--cursor-blurred { background: $accent 40%; }
    PathList > .path-list--bar { color: $primary; }
    PathList > .path-list--marker { color: $warning; text-style: bold; }
    PathList > .path-list--cell { color: $text-muted; }
    PathList > .path-list--dim { color: $text-disabled; }
    PathList > .path-list--scrollbar { background: $scrollbar-background; }
    PathList > .path-list--scrollbar-thumb { background: $scrollbar; }
    """

    class Highlighted(Message):
        """The cursor moved to another row."""

        def __init__(self, path_list: PathList, index: int, key: str) -> None:
            super().__init__()
            self.path_list = path_list
            self.index = index
            self.key = key

        @property
        def control(self) -> PathList:
            """The list that posted the message."""
            return self.path_list

    class Selected(Message):
        """A row was chosen (Enter or double click)."""

        def __init__(self, path_list: PathList, index: int, key: str) -> None:
            super().__init__()
            self.path_list = path_list
            self.index = index
            self.key = key

        @property
        def control(self) -> PathList:
            """The list that posted the message."""
            return self.path_list

    def __init__(
        self,
        rows: RowSource = EMPTY,
        *,
        cell_widths: tuple[int, ...] = (),
        bar_width: int = 0,
        empty_text: str = "",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._rows = rows
        self.cell_widths = cell_widths
        self.bar_width = bar_width
        self.empty_text = empty_text
        self._cursor = 0
        self._top = 0
        """Index of the first row shown."""
        self._recentre = True
        self._styles: dict[str, Style] | None = None
        """Component styles for this frame's lines (looked up once, not once per line)."""

    # -- data -------------------------------------------------------------------------------
    @property
    def rows(self) -> RowSource:
        """The rows shown."""
        return self._rows

    @property
    def cursor(self) -> int:
        """Index of the highlighted row (0 when empty)."""
        return self._cursor

    @property
    def top(self) -> int:
        """Index of the first row shown."""
        return self._top

    @property
    def current(self) -> Row | None:
        """The highlighted row, or None for an empty list."""
        if not len(self._rows):
            return None
        return self._rows.row(self._cursor)

    def set_rows(self, rows: RowSource, cursor: int = 0, *, announce: bool = False) -> None:
        """Show ``rows`` with the cursor on ``cursor`` (clamped)."""
        self._rows = rows
        self._cursor = max(0, min(cursor, len(rows) - 1))
        self._top = self._centred_top()
        self._recentre = not self.size.height  # not laid out yet: centre once it is
        self.refresh()
        if announce:
            self._announce()

    def move_to(self, index: int, *, announce: bool = True) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into view."""
        if not len(self._rows):
            return
        index = max(0, min(index, len(self._rows) - 1))
        old = self._cursor
        self._cursor = index
        if not self._scroll_cursor_visible():
            self._refresh_row(old)
            self._refresh_row(index)
        if announce and index != old:
            self._announce()

    def index_of(self, key: str) -> int | None:
        """Index of the first row with this key (scans; lists are small or keyed)."""
        for i in range(len(self._rows)):
            if self._rows.row(i).key == key:
                return i
        return None

    # -- actions ----------------------------------------------------------------------------
    def action_cursor_up(self) -> None:
        """Move up one row."""
        self.move_to(self._cursor - 1)

    def action_cursor_down(self) -> None:
        """Move down one row."""
        self.move_to(self._cursor + 1)

    def action_page_up(self) -> None:
        """Move up one screenful."""
        self.move_to(self._cursor - max(1, self.size.height - 1))

    def action_page_down(self) -> None:
        """Move down one screenful."""
        self.move_to(self._cursor + max(1, self.size.height - 1))

    def action_first(self) -> None:
        """Move to the first row."""
        self.move_to(0)

    def action_last(self) -> None:
        """Move to the last row."""
        self.move_to(len(self._rows) - 1)

    def action_select(self) -> None:
        """Choose the highlighted row."""
        row = self.current
        if row is not None:
            self.post_message(self.Selected(self, self._cursor, row.key))

    def _announce(self) -> None:
        row = self.current
        if row is not None:
            self.post_message(self.Highlighted(self, self._cursor, row.key))

    # -- mouse ------------------------------------------------------------------------------
    async def _on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        height = self.size.height
        if self._has_scrollbar() and offset.x == self.size.width - 1:
            # the scrollbar: show the part of the list at that height
            span = len(self._rows) - height
            self._show_from(round(offset.y * span / max(1, height - 1)))
            return
        index = offset.y + self._top
        if 0 <= index < len(self._rows):
            self.focus()
            self.move_to(index)
            if event.chain >= 2:
                self.action_select()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """The wheel scrolls the rows (the cursor stays on its row)."""
        event.stop()
        self._show_from(self._top + WHEEL_ROWS)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """The wheel scrolls the rows (the cursor stays on its row)."""
        event.stop()
        self._show_from(self._top - WHEEL_ROWS)

    # -- scrolling --------------------------------------------------------------------------
    def _max_top(self) -> int:
        return max(0, len(self._rows) - self.size.height)

    def _centred_top(self) -> int:
        return max(0, min(self._cursor - self.size.height // 2, self._max_top()))

    def _show_from(self, top: int) -> bool:
        """Show rows from ``top`` (clamped); True when that changed what is shown."""
        top = max(0, min(top, self._max_top()))
        if top == self._top:
            return False
        self._top = top
        self.refresh()
        return True

    def _scroll_cursor_visible(self) -> bool:
        height = max(1, self.size.height)
        if self._cursor < self._top:
            return self._show_from(self._cursor)
        if self._cursor >= self._top + height:
            return self._show_from(self._cursor - height + 1)
        return False

    def _has_scrollbar(self) -> bool:
        return len(self._rows) > self.size.height > 0

    # -- rendering --------------------------------------------------------------------------
    def _refresh_row(self, index: int) -> None:
        y = index - self._top
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def on_focus(self) -> None:
        """Redraw the cursor in its focused colour."""
        self.refresh()

    def on_blur(self) -> None:
        """Redraw the cursor in its blurred colour."""
        self.refresh()

    def on_resize(self) -> None:
        """Size changed: keep the cursor's row in view (centred on the first layout)."""
        if self._recentre and self.size.height:
            self._recentre = False
            self._top = self._centred_top()
        elif not self._scroll_cursor_visible():
            self._top = min(self._top, self._max_top())

    def notify_style_update(self) -> None:
        """CSS or theme changed: look the styles up again."""
        self._styles = None
        super().notify_style_update()

    def _line_styles(self) -> dict[str, Style]:
        # Textual's rich_style and size walk the DOM and the compositor map: worth doing
        # once per style change rather than once per line.
        if self._styles is None:
            base = self.rich_style
            styles = {"": base}
            for name in self.COMPONENT_CLASSES:
                styles[name] = self.get_component_rich_style(name)
            self._styles = styles
        return self._styles

    def render_line(self, y: int) -> Strip:
        """Row ``top + y`` as a strip of the widget's width (the last cell: the scrollbar)."""
        styles = self._line_styles()
        width, height = self.size
        if self._has_scrollbar():
            start, end = thumb_span(self._top, height, len(self._rows))
            name = "path-list--scrollbar-thumb" if start <= y < end else "path-list--scrollbar"
            line = self._render_row(y, width - 1, styles)
            return Strip.join([line, Strip([Segment(" ", styles[name])], 1)])
        return self._render_row(y, width, styles)

    def _render_row(self, y: int, width: int, styles: dict[str, Style]) -> Strip:
        base = styles[""]
        index = y + self._top
        if index >= len(self._rows):
            if index == 0 and self.empty_text:
                dim = styles["path-list--dim"]
                return Strip([Segment(self.empty_text[:width].ljust(width), base + dim)], width)
            return Strip.blank(width, base)
        row = self._rows.row(index)
        parts = self._row_segments(row, width, styles)
        if index == self._cursor:
            name = "path-list--cursor" if self.has_focus else "path-list--cursor-blurred"
            cursor = styles[name]
            background = Style(bgcolor=cursor.bgcolor)
            # The marker and the bar keep their colour on the cursor's background.
            segments = [
                Segment(seg.text, (seg.style or Style()) + (background if keep else cursor))
                for seg, keep in parts
            ]
        else:
            segments = [seg for seg, _ in parts]
        return Strip(segments, width).crop_extend(0, width, base)

    def _row_segments(
        self, row: Row, width: int, styles: dict[str, Style]
    ) -> list[tuple[Segment, bool]]:
        # Narrow columns give up the bar first, then the cells from the right, so the
        # label always keeps MIN_LABEL cells (an 80-column terminal has three columns).
        widths = list(self.cell_widths)
        bar = self.bar_width
        label_width = width - 2 - sum(w + 1 for w in widths) - (bar + 1 if bar else 0)
        if bar and label_width < MIN_LABEL + 4:
            label_width += bar + 1
            bar = 0
        while widths and label_width < MIN_LABEL:
            label_width += widths.pop() + 1
        label_width = max(1, label_width)
        label = row.label
        if len(label) > label_width:
            label = label[: max(0, label_width - 1)] + "…"
        base = styles[""]
        marker_style = base + styles["path-list--marker"]
        label_style = base + styles["path-list--dim"] if row.dim else base
        cell_style = base + styles["path-list--cell"]
        segments = [
            (Segment((row.marker or " ")[:1], marker_style), True),
            (Segment(" " + label.ljust(label_width), label_style), False),
        ]
        for cell_width, cell in zip(widths, row.cells, strict=False):
            segments.append((Segment(" " + cell.rjust(cell_width)[:cell_width], cell_style), False))
        if bar:
            bar_style = base + styles["path-list--bar"]
            segments.append((Segment(" " + bar_text(row.fraction, bar), bar_style), True))
        return segments
