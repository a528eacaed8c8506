"""SVG snapshots of every screen at 80x24 (pytest-textual-snapshot; review with the HTML report).

Regenerate after a reviewed change with ``pytest tests/tui/test_snapshots.py --snapshot-update``.
Skipped unless the pinned Textual and pytest-textual-snapshot versions are installed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from closurescope.tui import make_app
from closurescope.tui.app import ClosurescopeApp
from tests.tui.conftest import SNAPSHOT_VERSIONS, SNAPSHOTS_OK
from tests.tui.tui_data import small_graph_closure, small_result

pytestmark = [
    pytest.mark.tui,
    pytest.mark.skipif(not SNAPSHOTS_OK, reason=f"snapshots are pinned to {SNAPSHOT_VERSIONS}"),
]

SIZE = (80, 24)
SnapCompare = Callable[..., bool]


def app(*, etc: bool = False, light: bool = False) -> ClosurescopeApp:
    """The small image's app (two layers, two roots, two findings)."""
    closure = small_graph_closure()
    built = make_app(closure, small_result(closure, etc=etc))
    if light:
        built.theme = "textual-light"
    return built


class TestBrowse:
    """The closure browser."""

    def test_roots(self, snap_compare: SnapCompare) -> None:
        """The first screen: the roots, hello's references, details."""
        assert snap_compare(app(), terminal_size=SIZE)

    def test_inside_a_parent(self, snap_compare: SnapCompare) -> None:
        """Inside hello with glibc highlighted: three referrers, per-parent added size."""
        assert snap_compare(app(), press=["right", "down"], terminal_size=SIZE)

    def test_light_theme(self, snap_compare: SnapCompare) -> None:
        """The same screen in the light theme."""
        assert snap_compare(app(light=True), press=["right"], terminal_size=SIZE)

    def test_search(self, snap_compare: SnapCompare) -> None:
        """The search modal with a query typed."""
        assert snap_compare(app(), press=["slash", "l", "i", "b"], terminal_size=SIZE)

    def test_why(self, snap_compare: SnapCompare) -> None:
        """The why-depends modal on glibc: three chains."""

        async def why(pilot: Any) -> None:
            await pilot.press("right", "down", "w")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()

        assert snap_compare(app(), run_before=why, terminal_size=SIZE)


class TestFiles:
    """The files view."""

    def test_tree(self, snap_compare: SnapCompare) -> None:
        """The merged tree at the root, with markers and the layer selector."""
        assert snap_compare(app(), press=["2"], terminal_size=SIZE)

    def test_largest(self, snap_compare: SnapCompare) -> None:
        """Every file, biggest first."""
        assert snap_compare(app(), press=["2", "g"], terminal_size=SIZE)

    def test_layer_changes(self, snap_compare: SnapCompare) -> None:
        """Layer #1's added, modified and removed entries."""

        async def pick_layer(pilot: Any) -> None:
            await pilot.press("2")
            await pilot.click("#layers", offset=(3, 3))

        assert snap_compare(app(), run_before=pick_layer, terminal_size=SIZE)


class TestOtherViews:
    """Findings, /etc and help."""

    def test_findings(self, snap_compare: SnapCompare) -> None:
        """Findings by saving, with the details of the first."""
        assert snap_compare(app(), press=["3"], terminal_size=SIZE)

    def test_etc(self, snap_compare: SnapCompare) -> None:
        """The /etc suggestion (from a hand-built metrics mapping)."""
        assert snap_compare(app(etc=True), press=["4"], terminal_size=SIZE)

    def test_help(self, snap_compare: SnapCompare) -> None:
        """Help generated from the browser's and the app's bindings."""
        assert snap_compare(app(), press=["question_mark"], terminal_size=SIZE)
