"""PathList scrolls itself and draws its own scrollbar (pilot-driven, on a bare app)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from textual import events
from textual.app import App, ComposeResult
from textual.binding import BindingType

from closurescope.tui.widgets.path_list import PathList, Row, RowList, thumb_span
from tests.tui.tui_data import sync

pytestmark = pytest.mark.tui

SIZE = (40, 12)  # a 10-row list between its borders


class ListApp(App[None]):
    """One bordered PathList filling the screen."""

    CSS = "PathList { border: round red; }"
    BINDINGS: ClassVar[list[BindingType]] = []

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count

    def compose(self) -> ComposeResult:
        """The list under test."""
        rows = RowList([Row(str(i), f"row {i}") for i in range(self.count)])
        yield PathList(rows, id="list")

    def on_mount(self) -> None:
        """Focus it."""
        self.query_one(PathList).focus()


async def wheel(pilot: object, pl: PathList, down: bool) -> None:
    """One step of the mouse wheel over the list (as the terminal driver posts it)."""
    kind = events.MouseScrollDown if down else events.MouseScrollUp
    pl.post_message(kind(pl, 3, 3, 0, 1 if down else -1, 0, False, False, False))
    await pilot.pause()  # type: ignore[attr-defined]


def shown(pl: PathList) -> list[str]:
    """The text of every line on screen, as rendered."""
    return [pl.render_line(y).text for y in range(pl.size.height)]


@given(top=st.integers(0, 500), height=st.integers(1, 60), total=st.integers(0, 1000))
def test_thumb_inside_the_track(top: int, height: int, total: int) -> None:
    """The thumb is at least one line, inside the track; first and last rows at the ends."""
    top = min(top, max(0, total - height))
    start, end = thumb_span(top, height, total)
    assert 0 <= start < end <= height
    if total > height and top == 0:
        assert start == 0
    if total > height and top == total - height:
        assert end == height


@sync
async def test_short_list_has_no_scrollbar() -> None:
    """Rows that fit leave the last column to the rows."""
    app = ListApp(5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pl = app.query_one(PathList)
        assert pl.size.height == 10
        lines = shown(pl)
        assert lines[0].startswith("  row 0")
        assert len(lines[0]) == pl.size.width
        assert lines[5].strip() == ""


@sync
async def test_keys_scroll_the_rows_and_the_thumb() -> None:
    """↓ past the last visible row scrolls by one; End shows the last rows; the thumb follows."""
    app = ListApp(100)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pl = app.query_one(PathList)
        assert pl.top == 0
        thumb = [list(pl.render_line(y))[-1].style for y in range(10)]
        assert thumb[0] != thumb[9]  # thumb at the top, track below
        await pilot.press(*["down"] * 10)
        assert pl.cursor == 10
        assert pl.top == 1
        assert shown(pl)[-1].startswith("  row 10")
        await pilot.press("end")
        assert pl.top == 90
        assert shown(pl)[-1].startswith("  row 99")
        bottom = [list(pl.render_line(y))[-1].style for y in range(10)]
        assert bottom[9] == thumb[0]  # the thumb moved to the bottom
        await pilot.press("home")
        assert pl.top == 0


@sync
async def test_wheel_and_scrollbar_click_scroll_without_moving_the_cursor() -> None:
    """The wheel scrolls three rows; a click on the scrollbar jumps there; the cursor stays."""
    app = ListApp(100)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pl = app.query_one(PathList)
        await wheel(pilot, pl, down=True)
        assert pl.top == 3
        await wheel(pilot, pl, down=False)
        await wheel(pilot, pl, down=False)
        assert pl.top == 0
        # the scrollbar is the last cell inside the right border
        await pilot.click(PathList, offset=(pl.outer_size.width - 2, 10))
        assert pl.top == 90
        assert pl.cursor == 0
        await pilot.click(PathList, offset=(3, 1))  # first row shown
        assert pl.cursor == 90


@sync
async def test_new_rows_centre_the_cursor() -> None:
    """set_rows with a cursor far down shows it in the middle of the list."""
    app = ListApp(0)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        pl = app.query_one(PathList)
        pl.set_rows(RowList([Row(str(i), f"row {i}") for i in range(1000)]), 500)
        await pilot.pause()
        assert pl.top == 495
        assert pl.current is not None
        assert pl.current.key == "500"
        pl.set_rows(RowList([Row(str(i), f"row {i}") for i in range(3)]), 2)
        assert pl.top == 0
