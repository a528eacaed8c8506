"""The keystroke-speed measures, checked for what they must keep doing (pilot-driven).

KeyBar stands in for Textual's Footer (same keys, one line, clicks press keys); the app
freezes its finished data out of the garbage collector while it runs and gives it back on
exit; modal backdrops are opaque; every sort order's ranks exist once the workers are done;
every screen, the modals included, is composed once, before the first frame, and
reused; moving and entering in the browser repaints the lists without a layout.
"""

from __future__ import annotations

import asyncio
import gc

import pytest
from textual.pilot import Pilot
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from closurescope.tui import make_app
from closurescope.tui.app import ClosurescopeApp
from closurescope.tui.screens.browse import BrowseScreen
from closurescope.tui.screens.help import HelpScreen
from closurescope.tui.screens.search import SearchScreen
from closurescope.tui.view import SortOrder
from closurescope.tui.widgets.key_bar import KeyBar
from closurescope.tui.widgets.path_list import PathList
from tests.tui.tui_data import small_graph_closure, small_result, sync

pytestmark = pytest.mark.tui

SIZE = (100, 24)


async def settled(app: ClosurescopeApp, pilot: Pilot[None]) -> None:
    """Once the workers are done and every screen is composed ahead."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await asyncio.wait_for(app.composed_ahead.wait(), 10)
    await pilot.pause()


def bar_text(bar: KeyBar) -> str:
    """The line the bar draws."""
    return bar.render().plain


def shown_bindings(screen: object) -> list[tuple[str, str]]:
    """``(key, description)`` of the screen's shown bindings, first key per action."""
    seen: set[str] = set()
    out = []
    for active in screen.active_bindings.values():  # type: ignore[attr-defined]
        b = active.binding
        if b.show and b.action not in seen:
            seen.add(b.action)
            out.append((b.key, b.description))
    return out


@sync
async def test_key_bar_shows_the_screens_keys_and_follows_the_view() -> None:
    """Each view's bar lists that view's shown bindings, in order, then the app's."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        bar = app.screen.query_one(KeyBar)
        text = bar_text(bar)
        expected = shown_bindings(app.screen)
        assert [d for _, d in expected][:3] == ["Into", "Back", "Sort"]
        for _, description in expected:
            assert f"{description} " in text
        assert text.index("Sort") < text.index("Search") < text.index("Quit")
        await pilot.press("3")
        await pilot.pause()
        findings_text = bar_text(app.screen.query_one(KeyBar))
        assert "Copy fix" in findings_text
        assert "Sort" not in findings_text


@sync
async def test_key_bar_click_presses_the_key() -> None:
    """A click on ``s Sort`` sorts, a click on ``? Help`` opens the help."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        bar = screen.query_one(KeyBar)
        spans = {key: (start, end) for start, end, key in bar._spans()}
        assert screen.order is SortOrder.CLOSURE
        await pilot.click(KeyBar, offset=(spans["s"][0] + 1, 0))
        await pilot.pause()
        assert screen.order is SortOrder.ADDED
        await pilot.click(KeyBar, offset=(spans["question_mark"][1] - 2, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


@sync
async def test_heap_frozen_while_running_and_given_back_on_exit() -> None:
    """gc.freeze() once the data is in; gc.unfreeze() when the app exits."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


@sync
async def test_modals_opaque_and_every_sort_rank_ready() -> None:
    """A translucent backdrop would re-render the screen below on every frame."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        assert screen.lookups_ready.wait(10)  # the lookups thread, after the first frame
        await app.workers.wait_for_complete()
        assert set(screen._ranks) == set(SortOrder)
        assert screen._chains is not None
        for key in ("slash", "w"):
            await pilot.press(key)
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, ModalScreen)
            assert modal.styles.background.a == 1
            await pilot.press("escape")
            await pilot.pause()


@sync
async def test_every_screen_composed_once_and_reused() -> None:
    """After the first frame every view and modal is composed; keys only push and switch."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure, etc=True))
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        names = ["browse", "files", "findings", "etc", "search", "why", "help"]
        screens = {name: app.get_screen(name) for name in names}
        assert all(screen.is_running for screen in screens.values())
        assert app.screen is screens["browse"]
        sizes = {name: len(list(s.walk_children())) for name, s in screens.items()}
        keys = ["slash", "escape", "w", "escape", "question_mark", "escape", "3", "1", "2", "4"]
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
            assert app.screen in screens.values()
        assert {name: app.get_screen(name) for name in names} == screens
        assert {name: len(list(s.walk_children())) for name, s in screens.items()} == sizes


@sync
async def test_every_screen_composed_and_laid_out_before_the_first_frame() -> None:
    """The first frame Textual shows is the browser's, every other screen composed and laid
    out by then: a key pressed right after it waits for no composing."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure, etc=True))
    names = ["files", "findings", "etc", "search", "why", "help"]
    frames: list[tuple[str | None, bool, list[bool]]] = []
    display = app._display

    def recorded(screen: Screen[object], renderable: object) -> None:
        if renderable is not None and not app._batch_count:
            states = [
                app.get_screen(n).is_running and not app.get_screen(n)._layout_required
                for n in names
            ]
            frames.append((screen.name, app.composed_ahead.is_set(), states))
        display(screen, renderable)  # type: ignore[arg-type]

    app._display = recorded  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
    assert frames
    assert frames[0] == ("browse", True, [True] * len(names))


@sync
async def test_search_starts_empty_each_time() -> None:
    """The reused search screen forgets the previous query."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("slash", *"zzz", "escape", "slash")
        search = app.screen
        assert isinstance(search, SearchScreen)
        assert search.query_one(Input).value == ""
        assert len(search.query_one("#search-results", PathList).rows) == len(closure.graph)


@sync
async def test_browsing_repaints_without_a_layout() -> None:
    """→ ← ↓ r PgDn End Home change rows, titles and details, never the screen's layout."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, BrowseScreen)
        layouts = 0
        refresh_layout = screen._refresh_layout

        def counted(*args: object, **kwargs: object) -> None:
            nonlocal layouts
            layouts += 1
            refresh_layout(*args, **kwargs)  # type: ignore[arg-type]

        screen._refresh_layout = counted  # type: ignore[method-assign]
        current = screen.query_one("#current", PathList)
        before = current.rows
        await pilot.press("right", "down", "right", "left", "pagedown", "end", "home", "r")
        await pilot.pause()
        assert current.rows is not before  # the rows did change
        assert screen.levels[0].parent is None
        assert layouts == 0


@sync
async def test_first_show_of_a_view_or_modal_needs_no_layout() -> None:
    """Screens composed ahead are laid out off screen: their first show only repaints."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        layouts: list[str] = []
        for name in ("findings", "files", "search", "help"):
            screen = app.get_screen(name)
            refresh_layout = screen._refresh_layout

            def counted(
                *args: object, _name: str = name, _f: object = refresh_layout, **kwargs: object
            ) -> None:
                layouts.append(_name)
                _f(*args, **kwargs)  # type: ignore[operator]

            screen._refresh_layout = counted  # type: ignore[method-assign]
        for key in ("3", "2", "1", "slash", "escape", "question_mark"):
            await pilot.press(key)
            await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert layouts == []
