"""Closure browser behaviour, driven with Textual's pilot (keys and mouse)."""

from __future__ import annotations

import pytest

from closurescope.analysis.sizes import added_size_within, compute_sizes
from closurescope.model import NodeId
from closurescope.tui import make_app
from closurescope.tui.screens.browse import BrowseScreen
from closurescope.tui.screens.help import HelpScreen
from closurescope.tui.screens.search import SearchScreen
from closurescope.tui.widgets.path_list import PathList
from tests.conftest import SAMPLES
from tests.tui.tui_data import keys_of, screen_of, small_graph_closure, small_result, sp, sync

pytestmark = pytest.mark.tui

SIZE = (80, 24)


def browse(app: object) -> BrowseScreen:
    """The BrowseScreen of a running app."""
    return screen_of(app, BrowseScreen)


@sync
async def test_opens_on_the_roots_sorted_by_closure_size() -> None:
    """The first screen lists the roots, biggest closure first, with sides filled in."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = browse(app)
        current = screen.query_one("#current", PathList)
        assert keys_of(current) == [sp("hello"), sp("tzdata")]
        assert app.focused is current
        # hello's references on the right (libidn2's closure is bigger than glibc's), no referrers
        assert keys_of(screen.query_one("#references", PathList)) == [sp("libidn2"), sp("glibc")]
        assert keys_of(screen.query_one("#referrers", PathList)) == []
        row = current.rows.row(0)
        assert row.label == "hello-2.12.1"
        assert row.cells[0] == "37.6 MiB"  # 270k+29M+350k+1.8M+8M = 39,420,000 bytes


@sync
async def test_arrows_move_into_and_out_of_references() -> None:
    """→ enters the highlighted node, ↓ moves, ← goes back with the cursor restored."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        await pilot.press("right")
        assert screen.level.parent == sp("hello")
        assert screen.selected == sp("libidn2")
        assert keys_of(screen.query_one("#referrers", PathList)) == [sp("hello")]
        assert keys_of(screen.query_one("#references", PathList)) == [
            sp("libunistring"),
            sp("glibc"),
        ]
        await pilot.press("down")
        assert screen.selected == sp("glibc")
        # glibc has three referrers; the one we came through (hello) is highlighted
        referrers = screen.query_one("#referrers", PathList)
        assert sorted(keys_of(referrers)) == sorted(
            [sp("hello"), sp("libidn2"), sp("libunistring")]
        )
        assert referrers.current is not None
        assert referrers.current.key == sp("hello")
        await pilot.press("l")  # into glibc
        assert screen.level.parent == sp("glibc")
        assert screen.selected == sp("gcc-lib")
        await pilot.press("l")  # gcc-lib is a leaf: nothing happens
        assert screen.level.parent == sp("glibc")
        await pilot.press("h", "h")
        assert screen.level.parent is None
        assert screen.selected == sp("hello")
        await pilot.press("right", "down", "right", "r")
        assert len(screen.levels) == 1
        assert screen.selected == sp("hello")


@sync
async def test_details_show_the_per_parent_added_size() -> None:
    """Inside a parent, the details give nix-tree-rs's added size for that parent."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        await pilot.press("right", "down")  # hello → glibc
        expected = added_size_within(closure.graph, sp("hello"), sp("glibc"))
        assert screen._added_cache[(sp("hello"), sp("glibc"))] == expected
        # without glibc, hello's closure loses glibc and gcc-lib (only glibc refers to it)
        assert expected == 29_000_000 + 8_000_000
        text = str(screen.query_one("#details").render())
        assert "added here" in text
        assert "35.3 MiB  (to hello-2.12.1's closure)" in text


@sync
async def test_s_cycles_the_sort_orders() -> None:
    """s cycles closure → added → self → name and keeps the highlighted node."""
    closure = small_graph_closure()
    result = small_result(closure)
    app = make_app(closure, result)
    sizes = compute_sizes(closure.graph)
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        await pilot.press("right")  # hello's references: libidn2, glibc
        current = screen.query_one("#current", PathList)
        await pilot.press("s")
        assert screen.order.value == "added"
        added = [sizes[NodeId(k)].added_size for k in keys_of(current)]
        assert added == sorted(added, reverse=True)
        assert keys_of(current) == [sp("glibc"), sp("libidn2")]
        assert screen.selected == sp("libidn2")  # still highlighted after the re-sort
        await pilot.press("s")
        assert screen.order.value == "self"
        assert keys_of(current) == [sp("glibc"), sp("libidn2")]
        await pilot.press("s")
        assert screen.order.value == "name"
        assert keys_of(current) == [sp("glibc"), sp("libidn2")]
        await pilot.press("s")
        assert screen.order.value == "closure"
        assert keys_of(current) == [sp("libidn2"), sp("glibc")]
        assert "sort: closure" in str(current.border_subtitle)


@sync
async def test_search_jumps_to_a_fuzzy_match() -> None:
    """/ opens the search; typing filters; Enter jumps along a shortest chain from a root."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"unistr")
        results = app.screen.query_one("#search-results", PathList)
        assert keys_of(results) == [sp("libunistring")]
        await pilot.press("enter")
        assert app.screen is screen
        assert screen.selected == sp("libunistring")
        assert [lv.parent for lv in screen.levels] == [None, sp("hello"), sp("libidn2")]


@sync
async def test_search_escape_and_no_match() -> None:
    """A query nothing matches lists nothing; Escape closes without moving."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        await pilot.press("slash", *"zzzq")
        assert len(app.screen.query_one("#search-results", PathList).rows) == 0
        await pilot.press("enter")  # nothing to take
        assert app.screen is screen
        await pilot.press("slash", "g", "l", "down", "enter")
        assert screen.selected == sp("glibc")
        await pilot.press("slash", "escape")
        assert app.screen is screen
        assert screen.selected == sp("glibc")


@sync
async def test_y_copies_the_store_path_and_says_so() -> None:
    """y puts the highlighted store path on the clipboard and shows a notification."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "y")
        assert app.clipboard == sp("tzdata")
        assert any(sp("tzdata") in n.message for n in app._notifications)


@sync
async def test_why_lists_every_chain() -> None:
    """w opens the why-depends modal with every root→node chain, shortest first."""
    from closurescope.tui.screens.why import WhyScreen

    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("right", "down", "w")  # glibc
        why = app.screen
        assert isinstance(why, WhyScreen)
        await app.workers.wait_for_complete()  # the chains are enumerated in a thread
        await pilot.pause()
        assert why.ready
        chains = {tuple(c) for c in why.chains}
        assert chains == {
            (sp("hello"), sp("glibc")),
            (sp("hello"), sp("libidn2"), sp("glibc")),
            (sp("hello"), sp("libidn2"), sp("libunistring"), sp("glibc")),
        }
        assert len(why.chains[0]) == 2
        title = str(why.query_one("#why-title").render())
        assert "glibc-2.39-52" in title
        assert "3 chains" in title
        await pilot.press("escape")
        assert isinstance(app.screen, BrowseScreen)


@sync
async def test_mouse_click_on_a_reference_enters_it() -> None:
    """A double click on a row of the references column goes into that reference."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        # row 1 of the references column is glibc (hello → libidn2, glibc)
        await pilot.click("#references", offset=(3, 2), times=2)
        assert screen.level.parent == sp("hello")
        assert screen.selected == sp("glibc")
        # a single click on the middle column moves the cursor
        await pilot.click("#current", offset=(3, 1))
        assert screen.selected == sp("libidn2")


@sync
async def test_help_is_generated_from_the_bindings() -> None:
    """? lists the keys of the view (from BINDINGS) and the global ones; ? closes it."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        keys = app.screen.query_one("#help-keys", PathList)
        labels = [keys.rows.row(i).label for i in range(len(keys.rows))]
        for binding in BrowseScreen.BINDINGS:
            assert any(binding.description in label for label in labels)  # type: ignore[union-attr]
        assert any("Why" in label and "w" in label for label in labels)
        assert "Browse view" in labels
        await pilot.press("question_mark")
        assert isinstance(app.screen, BrowseScreen)


@sync
async def test_t_switches_between_dark_and_light() -> None:
    """t toggles the light theme and back."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        assert app.theme == "textual-dark"
        await pilot.press("t")
        assert app.theme == "textual-light"
        await pilot.press("t")
        assert app.theme == "textual-dark"


@sync
async def test_q_quits() -> None:
    """q ends the app."""
    closure = small_graph_closure(with_files=False)
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


@sync
async def test_real_nix_sample() -> None:
    """A real `nix path-info -S` sample: the roots and their references as Nix reported."""
    from closurescope.analysis import analyze
    from closurescope.loaders import load

    closure = load(str(SAMPLES / "nix" / "app-image-root-full.path-info-S.json"))
    result = analyze(closure)
    app = make_app(closure, result)
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        current = screen.query_one("#current", PathList)
        assert keys_of(current) == list(closure.graph.roots)
        root = closure.graph.roots[0]
        # the closure size shown is the one `nix path-info -S` reported
        reported = closure.graph.component(root).reported_closure_size
        assert result.sizes[root].closure_size == reported
        await pilot.press("right")
        refs = closure.graph.references(root)
        assert sorted(keys_of(screen.query_one("#current", PathList))) == sorted(refs)
        # every reference row is sorted biggest closure first
        shown = [result.sizes[NodeId(k)].closure_size or 0 for k in keys_of(current)]
        assert shown == sorted(shown, reverse=True)
        await pilot.press("slash", *"glibc", "enter")
        assert screen.selected is not None
        assert "glibc" in closure.graph.component(screen.selected).name


@sync
async def test_unknown_sizes_show_as_unknown() -> None:
    """A DOT graph has no sizes: rows say 'unknown', never 0, and sorting still works."""
    from closurescope.analysis import analyze
    from closurescope.loaders import load

    closure = load("nix-dot:" + str(SAMPLES / "nix" / "app-image-root-full.graph.dot"))
    app = make_app(closure, analyze(closure))
    async with app.run_test(size=SIZE) as pilot:
        screen = browse(app)
        current = screen.query_one("#current", PathList)
        await pilot.press("right")
        row = current.rows.row(0)
        assert row.cells == ("unknown", "unknown")
        assert row.fraction is None
        await pilot.press("s", "s", "s")  # name order: alphabetical
        names = [current.rows.row(i).label for i in range(len(current.rows))]
        assert names == sorted(names)
