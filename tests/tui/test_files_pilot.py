"""Files view behaviour: tree, largest files, layer selector, markers (pilot-driven)."""

from __future__ import annotations

import pytest

from closurescope.tui import make_app
from closurescope.tui.screens.browse import BrowseScreen
from closurescope.tui.screens.files import FilesScreen
from closurescope.tui.widgets.path_list import PathList
from tests.conftest import CORPUS
from tests.tui.tui_data import keys_of, screen_of, small_graph_closure, small_result, sync

pytestmark = pytest.mark.tui

SIZE = (80, 24)


def files_screen(app: object) -> FilesScreen:
    """The FilesScreen of a running app."""
    return screen_of(app, FilesScreen)


@sync
async def test_tree_is_sorted_by_size_with_markers() -> None:
    """2 opens the merged tree: biggest first, markers for duplicates, waste and loops."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        screen = files_screen(app)
        files = screen.query_one("#files", PathList)
        # etc/big.db was deleted by layer 1, so etc holds only passwd (600 bytes)
        assert keys_of(files) == ["app", "bin", "etc", "usr", "loop"]
        markers = {files.rows.row(i).key: files.rows.row(i).marker for i in range(5)}
        assert markers == {"app": "D", "bin": " ", "etc": "W", "usr": " ", "loop": "L"}
        assert files.rows.row(0).cells == ("5.7 MiB",)  # 2 x 3,000,000 bytes
        assert "/  6.7 MiB" in str(files.border_title)


@sync
async def test_enter_and_back_keep_the_cursor() -> None:
    """→ opens a directory, ← returns with the directory highlighted; files show details."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        screen = files_screen(app)
        files = screen.query_one("#files", PathList)
        await pilot.press("right")
        assert screen.cwd == "app"
        await pilot.press("enter")
        assert screen.cwd == "app/data"
        assert keys_of(files) == ["app/data/blob-copy.bin", "app/data/blob.bin"]
        await pilot.press("down")
        details = str(screen.query_one("#file-details").render())
        assert "/app/data/blob.bin" in details
        assert "duplicate content" in details
        assert "CS201" in details
        await pilot.press("left", "left")
        assert screen.cwd == ""
        assert files.current is not None
        assert files.current.key == "app"
        await pilot.press("s")  # by name
        assert keys_of(files) == ["app", "bin", "etc", "loop", "usr"]
        await pilot.press("down", "down", "down", "right")
        assert screen.cwd == "loop"
        loop_details = str(screen.query_one("#file-details").render())
        assert "symlink loop" in loop_details
        assert "(loop)" in loop_details


@sync
async def test_g_lists_the_largest_files_and_enter_reveals_one() -> None:
    """g lists every file biggest first; Enter shows the file in its directory."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "g")
        screen = files_screen(app)
        files = screen.query_one("#files", PathList)
        assert keys_of(files) == [
            "app/data/blob-copy.bin",
            "app/data/blob.bin",
            "bin/busybox",
            "etc/passwd",
            "usr/share/zoneinfo/UTC",
        ]
        await pilot.press("down", "down", "enter")
        assert screen.mode == "tree"
        assert screen.cwd == "bin"
        assert files.current is not None
        assert files.current.key == "bin/busybox"
        await pilot.press("g", "g")  # there and back
        assert screen.mode == "tree"


@sync
async def test_layer_selector_lists_each_layers_changes() -> None:
    """Highlighting a layer lists what it added, modified and removed (A/M/D)."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        screen = files_screen(app)
        layers = screen.query_one("#layers", PathList)
        assert keys_of(layers) == ["all", "0", "1"]
        await pilot.click("#layers", offset=(3, 3))  # row 2: layer #1
        assert screen.mode == "layer"
        assert screen.layer_index == 1
        files = screen.query_one("#files", PathList)
        rows = [files.rows.row(i) for i in range(len(files.rows))]
        assert [(r.marker, r.key) for r in rows] == [
            ("A", "app/data/blob-copy.bin"),
            ("A", "app/data/blob.bin"),
            ("M", "etc/passwd"),
            ("D", "etc/big.db"),
        ]
        assert "1 removed" in str(files.border_title)
        files.focus()
        await pilot.press("end", "enter")  # a removed path: shown where it was
        assert screen.mode == "tree"
        assert screen.cwd == ""
        assert files.current is not None
        assert files.current.key == "etc"
        assert layers.cursor == 0


@sync
async def test_no_files_view_without_files() -> None:
    """A closure without files has no files view: 2 says so and stays."""
    closure = small_graph_closure(with_files=False)
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        assert isinstance(app.screen, BrowseScreen)
        assert any("no files view" in n.message for n in app._notifications)


@sync
async def test_y_copies_the_path() -> None:
    """y copies the highlighted in-image path with its leading slash."""
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2", "right", "y")
        assert app.clipboard == "/app/data"


@sync
async def test_dive_fixture_image() -> None:
    """dive's own test image (docker-archive): layers and their changes as dive counts them."""
    path = CORPUS / "dive" / "test-docker-image.tar"
    if not path.is_file():
        pytest.skip("dive corpus not present")
    from closurescope.analysis import analyze
    from closurescope.loaders import load

    closure = load(str(path))
    app = make_app(closure, analyze(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("2")
        screen = files_screen(app)
        layers = screen.query_one("#layers", PathList)
        assert len(layers.rows) == len(closure.layers) + 1
        files = screen.query_one("#files", PathList)
        assert closure.files is not None
        assert sorted(keys_of(files)) == sorted(closure.files.children(""))
        sizes = [closure.files.total_size(k) for k in keys_of(files)]
        assert sizes == sorted(sizes, reverse=True)
        # the last layer's change list matches the loader's added/modified/removed
        layers.focus()
        await pilot.press("end")
        last = closure.layers[-1]
        expected = len(last.added) + len(last.modified) + len(last.removed)
        assert len(files.rows) == expected
        await pilot.press("2", "g")
        files_all = [e for e in closure.files if e.kind.value == "file"]
        assert len(files.rows) == len(files_all)
        top = max(files_all, key=lambda e: e.size)
        assert closure.files.get(files.rows.row(0).key) is not None
        assert closure.files.entries[files.rows.row(0).key].size == top.size


@sync
async def test_a_tree_indexed_in_a_thread_opens_once_indexed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big tree is indexed after the first frame; its view is composed before it anyway,
    ``2`` meanwhile opens it once the index is ready, with the root and the layers listed.
    The garbage collector is paused while the thread builds the index."""
    import gc
    import threading

    import closurescope.tui.app as app_module
    from closurescope.tui.view import FilesIndex

    monkeypatch.setattr(app_module, "SYNC_INDEX_LIMIT", 0)
    release = threading.Event()
    precompute = FilesIndex.precompute

    collector_on: list[bool] = []

    def held(index: FilesIndex) -> None:
        collector_on.append(gc.isenabled())
        assert release.wait(10)
        precompute(index)

    monkeypatch.setattr(FilesIndex, "precompute", held)
    closure = small_graph_closure()
    app = make_app(closure, small_result(closure))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.get_screen("files")
        assert isinstance(screen, FilesScreen)
        assert screen.is_running
        assert app.files_index is None
        assert "2 Files" in str(app.get_screen("browse").sub_title)
        await pilot.press("2")
        assert isinstance(app.screen, BrowseScreen)  # not before the index is ready
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is screen
        assert keys_of(screen.query_one("#files", PathList)) == ["app", "bin", "etc", "usr", "loop"]
        assert len(screen.query_one("#layers", PathList).rows) == 1 + len(closure.layers)
        assert collector_on == [False]  # paused while the thread builds (no full collections)
        assert gc.isenabled()
