"""Findings and /etc views: order, details, and Enter jumping to the subject (pilot-driven)."""

from __future__ import annotations

import pytest

from closurescope.tui import make_app
from closurescope.tui.screens.browse import BrowseScreen
from closurescope.tui.screens.etc import EtcScreen
from closurescope.tui.screens.files import FilesScreen
from closurescope.tui.screens.findings import FindingsScreen
from closurescope.tui.widgets.path_list import PathList
from tests.conftest import CORPUS
from tests.tui.tui_data import small_graph_closure, small_result, sp, sync

pytestmark = pytest.mark.tui

SIZE = (80, 24)


@sync
async def test_findings_sorted_by_saving_with_details() -> None:
    """3 lists findings biggest saving first; the details show subjects, evidence and fix."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3")
        screen = app.screen
        assert isinstance(screen, FindingsScreen)
        findings = screen.query_one("#findings", PathList)
        labels = [findings.rows.row(i).label for i in range(len(findings.rows))]
        assert [label.split()[0] for label in labels] == ["CS103", "CS201"]
        assert findings.rows.row(0).cells == ("error", "7.6 MiB")
        assert "2 findings, up to 10.5 MiB" in str(findings.border_title)
        details = str(screen.query_one("#finding-details").render())
        assert "glibc references it" in details
        await pilot.press("down")
        details = str(screen.query_one("#finding-details").render())
        assert "keep one copy" in details
        await pilot.press("y")
        assert app.clipboard == "ln -f a b"


@sync
async def test_enter_jumps_to_a_component_or_a_file() -> None:
    """Enter on a component finding opens the browser there; on a file finding, the files."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "enter")
        browse = app.screen
        assert isinstance(browse, BrowseScreen)
        assert browse.selected == sp("gcc-lib")
        assert [lv.parent for lv in browse.levels] == [None, sp("hello"), sp("glibc")]
        await pilot.press("3", "down", "enter")
        files = app.screen
        assert isinstance(files, FilesScreen)
        assert files.cwd == "app/data"
        current = files.query_one("#files", PathList).current
        assert current is not None
        assert current.key == "app/data/blob.bin"


@sync
async def test_no_findings() -> None:
    """An analysis without findings says so."""
    from closurescope.analysis.result import AnalysisResult

    closure = small_graph_closure()
    full = small_result(closure)
    empty = AnalysisResult(sizes=full.sizes, total_size=full.total_size)
    app = make_app(closure, empty)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("3", "enter")
        screen = app.screen
        assert isinstance(screen, FindingsScreen)
        assert "nothing to fix" in str(screen.query_one("#finding-details").render())


@sync
async def test_etc_view_from_metrics() -> None:
    """4 shows keep/drop with reasons when metrics["etc"] exists; Enter opens the file."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure, etc=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, EtcScreen)
        keep = screen.query_one("#keep", PathList)
        drop = screen.query_one("#drop", PathList)
        assert keep.current is not None
        assert keep.current.key == "etc/passwd"
        assert drop.current is not None
        assert drop.current.key == "etc/big.db"
        assert "saves 3.8 MiB" in str(drop.border_subtitle)
        assert "busybox reads users" in str(screen.query_one("#etc-details").render())
        await pilot.press("tab")
        assert app.focused is drop
        assert "nothing reads it" in str(screen.query_one("#etc-details").render())
        await pilot.press("shift+tab", "enter")
        files = app.screen
        assert isinstance(files, FilesScreen)
        assert files.cwd == "etc"


@sync
async def test_no_etc_view_without_the_metric() -> None:
    """Without metrics["etc"] the view does not exist and 4 stays put."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        assert isinstance(app.screen, BrowseScreen)
        assert not app.is_screen_installed("etc")


@sync
async def test_etc_view_on_a_real_image() -> None:
    """dive's image through the real /etc analysis: what it keeps, and y copies the fix."""
    path = CORPUS / "dive" / "test-docker-image.tar"
    if not path.is_file():
        pytest.skip("dive corpus not present")
    from closurescope.analysis import analyze
    from closurescope.loaders import load

    closure = load(str(path))
    result = analyze(closure)
    etc = result.metrics.get("etc")
    if etc is None:
        pytest.skip("the /etc analysis did not run on this image")
    app = make_app(closure, result)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, EtcScreen)
        keep = screen.query_one("#keep", PathList)
        shown = sorted(keep.rows.row(i).key for i in range(len(keep.rows)))
        assert shown == sorted(item["path"] for item in etc["keep"])
        await pilot.press("y")
        assert app.clipboard == etc["snippets"]["nix"]
