"""The closure browser: miller columns (referrers | current | references), as nix-tree has.

The middle column is the current level: the roots at the top, then the references of the
node entered. The left column lists every referrer of the highlighted node (the one we came
through is highlighted), the right column its references. Rows show the name, the closure
size, the added size and a bar of the closure size against the whole closure. The details
panel adds nix-tree-rs's per-parent added size: what the parent's closure loses without it.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header

from closurescope.analysis.result import AnalysisResult, NodeSizes
from closurescope.model import Closure, NodeId
from closurescope.tui.screens.search import SearchScreen
from closurescope.tui.screens.why import WhyScreen
from closurescope.tui.view import (
    RootChains,
    SortOrder,
    sort_nodes,
    sort_ranks,
    subjects_index,
)
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.key_bar import KeyBar
from closurescope.tui.widgets.path_list import LazyRows, PathList, Row
from closurescope.units import format_size

RANK_FROM = 200
"""Lists this long are sorted by whole-graph ranks (computed once per order) instead of a
Python key function."""
ADDED_DELAY = 0.3
"""Seconds the cursor must rest before a big parent's per-parent added size is computed."""
SYNC_ADDED_LIMIT = 1000
"""Parents with a closure up to this many paths get their per-parent added size computed at
once (a few ms); bigger ones in a worker thread, so a keystroke never waits for it (a
3,000-path parent took 11 ms of the key on the 2-core build VM)."""


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(slots=True)
class Level:
    """One column of the navigation: the parent entered (None at the roots) and its items."""

    parent: NodeId | None
    items: tuple[NodeId, ...]
    cursor: int = 0

    @property
    def selected(self) -> NodeId | None:
        """The highlighted item."""
        return self.items[self.cursor] if self.items else None


class BrowseScreen(Screen[None]):
    """Browse the dependency graph in miller columns."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("right,l", "enter", "Into"),
        Binding("left,h,backspace", "back", "Back"),
        Binding("s", "cycle_sort", "Sort"),
        Binding("slash", "search", "Search"),
        Binding("w", "why", "Why"),
        Binding("y", "copy", "Copy path"),
        Binding("r", "roots", "Roots"),
    ]

    def __init__(self, closure: Closure, result: AnalysisResult) -> None:
        super().__init__(name="browse")
        self.closure = closure
        self.result = result
        self.graph = closure.graph
        self.sizes = result.sizes
        self.total = result.total_size or max(
            (s.closure_size or 0 for s in result.sizes.values()), default=0
        )
        self.order = SortOrder.CLOSURE
        self.subjects: frozenset[str] = frozenset(s for f in result.findings for s in f.subjects)
        self._ranks: dict[SortOrder, dict[NodeId, int]] = {}
        roots = sort_nodes(self.graph.roots, self.graph, self.sizes, self.order)
        self.levels: list[Level] = [Level(None, roots)]
        self._added_cache: dict[tuple[NodeId, NodeId], int | None] = {}
        self._findings_of = subjects_index(result)
        self._candidates: tuple[tuple[str, str], ...] | None = None
        indexed = self.graph.indexed()
        self._index = indexed.index
        self._succ = indexed.succ
        self._pred = indexed.pred
        self._ids = indexed.ids
        self._added_timer: Timer | None = None
        self._chains: RootChains | None = None
        self.lookups_ready = threading.Event()
        """Set once the lookups thread is done (``_prepare_lookups``): for tests, benchmarks."""
        self.sub_title = "closure browser"

    # -- layout -----------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        """Three columns over a details panel."""
        yield Header()
        with Horizontal(id="columns"):
            yield PathList(cell_widths=(10,), id="referrers", empty_text="(a root)")
            yield PathList(cell_widths=(10, 10), bar_width=6, id="current")
            yield PathList(cell_widths=(10,), id="references", empty_text="(no references)")
        yield Details(id="details")
        yield KeyBar()

    def on_mount(self) -> None:
        """Show the roots and focus the middle column."""
        self._show_level()
        self.query_one("#current", PathList).focus()
        # after the first frame, ready before the first key needs them:
        self.call_after_refresh(self._prepare_lookups)

    # -- data helpers -----------------------------------------------------------------------
    @property
    def level(self) -> Level:
        """The current (middle) level."""
        return self.levels[-1]

    @property
    def selected(self) -> NodeId | None:
        """The highlighted node of the middle column."""
        return self.level.selected

    def _neighbours(self, node: NodeId, adjacency: tuple[tuple[int, ...], ...]) -> list[NodeId]:
        ids = self._ids
        return [ids[i] for i in adjacency[self._index[node]]]

    def _search_candidates(self) -> tuple[tuple[str, str], ...]:
        if self._candidates is None:
            names = ((str(n), c.name) for n, c in self.graph.components.items())
            self._candidates = tuple(sorted(names, key=lambda c: (c[1], c[0])))
        return self._candidates

    def _rank(self, order: SortOrder) -> dict[NodeId, int]:
        rank = self._ranks.get(order)
        if rank is None:
            rank = self._ranks[order] = sort_ranks(self.graph, self.sizes, order)
        return rank

    @work(thread=True, exclusive=True, group="ranks")
    def _prepare_lookups(self) -> None:
        # Off the UI thread, after the first frame, so that a key pressed meanwhile waits
        # for none of it (on the main thread it was ~50 ms just after the first screen):
        # the search's name list, every order's ranks (``s`` then only looks them up; one
        # is a Python-key sort of every path) and the root chains of the jump. A key that
        # needs one before it is ready computes it itself.
        self._search_candidates()
        for order in [self.order, *SortOrder]:
            if order not in self._ranks:
                self._ranks[order] = sort_ranks(self.graph, self.sizes, order)
        self._root_chains()
        self.lookups_ready.set()

    def _root_chains(self) -> RootChains:
        if self._chains is None:
            self._chains = RootChains(self.graph)
        return self._chains

    def _sorted(self, nodes: tuple[NodeId, ...] | list[NodeId]) -> tuple[NodeId, ...]:
        if len(nodes) < RANK_FROM and self.order not in self._ranks:
            return sort_nodes(nodes, self.graph, self.sizes, self.order)
        return tuple(sorted(nodes, key=self._rank(self.order).__getitem__))

    def _row(self, node: str, *, wide: bool) -> Row:
        nid = NodeId(node)
        comp = self.graph.component(nid)
        sizes: NodeSizes | None = self.sizes.get(nid)
        closure_size = sizes.closure_size if sizes else None
        cells: tuple[str, ...] = (format_size(closure_size),)
        if wide:
            cells += (format_size(sizes.added_size if sizes else None),)
        fraction = closure_size / self.total if closure_size is not None and self.total else None
        return Row(
            key=node,
            label=comp.name,
            cells=cells,
            fraction=fraction,
            marker="!" if node in self.subjects else " ",
            dim=not self._succ[self._index[nid]],
        )

    def _rows(self, nodes: tuple[NodeId, ...], *, wide: bool) -> LazyRows:
        return LazyRows(nodes, lambda key: self._row(key, wide=wide))

    # -- display ----------------------------------------------------------------------------
    def _show_level(self) -> None:
        level = self.level
        current = self.query_one("#current", PathList)
        current.set_rows(self._rows(level.items, wide=True), level.cursor)
        if level.parent is None:
            where = "roots"
        else:
            where = self.graph.component(level.parent).name
        current.border_title = f"{where} ({len(level.items)})"
        current.border_subtitle = f"sort: {self.order.value}  closure / added"
        self._show_selected()

    def _show_selected(self) -> None:
        node = self.selected
        referrers = self.query_one("#referrers", PathList)
        references = self.query_one("#references", PathList)
        if node is None:
            referrers.set_rows(self._rows((), wide=False))
            references.set_rows(self._rows((), wide=False))
            self.query_one(Details).show("(empty closure)")
            return
        refs = self._sorted(self._neighbours(node, self._pred))
        cursor = 0
        if self.level.parent is not None and self.level.parent in refs:
            cursor = refs.index(self.level.parent)
        referrers.set_rows(self._rows(refs, wide=False), cursor)
        referrers.border_title = f"referrers ({len(refs)})"
        deps = self._sorted(self._neighbours(node, self._succ))
        references.set_rows(self._rows(deps, wide=False), 0)
        references.border_title = f"references ({len(deps)})"
        self._show_details(node)

    def _show_details(self, node: NodeId) -> None:
        comp = self.graph.component(node)
        sizes = self.sizes.get(node)
        lines = [
            ("path", str(node)),
            (
                "self/closure/added",
                " / ".join(
                    format_size(v)
                    for v in (
                        sizes.self_size if sizes else comp.self_size,
                        sizes.closure_size if sizes else None,
                        sizes.added_size if sizes else None,
                    )
                )
                + (f"  ({_count(sizes.closure_count, 'path')})" if sizes else ""),
            ),
        ]
        parent = self.level.parent
        if parent is not None:
            key = (parent, node)
            pname = self.graph.component(parent).name
            if key in self._added_cache:
                value = format_size(self._added_cache[key])
                lines.append(("added here", f"{value}  (to {pname}'s closure)"))
            else:
                parent_sizes = self.sizes.get(parent)
                count = parent_sizes.closure_count if parent_sizes else 0
                if count <= SYNC_ADDED_LIMIT:
                    value = format_size(self._added_within(parent, node))
                    lines.append(("added here", f"{value}  (to {pname}'s closure)"))
                else:
                    # Big parents: wait until the cursor rests, then compute in a thread,
                    # so holding ↓ through thousands of rows never waits for it.
                    lines.append(("added here", "…"))
                    if self._added_timer is not None:
                        self._added_timer.stop()
                    self._added_timer = self.set_timer(
                        ADDED_DELAY, lambda: self._compute_added(parent, node)
                    )
        findings = [self.result.findings[i] for i in self._findings_of.get(node, ())]
        if findings:
            first = findings[0]
            more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
            lines.append(("finding", f"{first.rule_id} {first.title}{more}"))
        self.query_one(Details).show(comp.name, lines)

    def _added_within(self, parent: NodeId, node: NodeId) -> int | None:
        from closurescope.analysis.sizes import added_size_within

        value = added_size_within(self.graph, parent, node)
        self._added_cache[(parent, node)] = value
        return value

    @work(thread=True, exclusive=True, group="added")
    def _compute_added(self, parent: NodeId, node: NodeId) -> None:
        self._added_within(parent, node)
        self.app.call_from_thread(self._refresh_added, parent, node)

    def _refresh_added(self, parent: NodeId, node: NodeId) -> None:
        if self.level.parent == parent and self.selected == node:
            self._show_details(node)

    # -- events -----------------------------------------------------------------------------
    def on_path_list_highlighted(self, message: PathList.Highlighted) -> None:
        """The middle column's cursor moved: update the side columns and details."""
        if message.path_list.id == "current":
            self.level.cursor = message.index
            self._show_selected()

    def on_path_list_selected(self, message: PathList.Selected) -> None:
        """Enter in the middle goes in; a click on a side row goes to that node."""
        list_id = message.path_list.id
        if list_id == "current":
            self.action_enter()
        elif list_id == "references":
            self.action_enter(NodeId(message.key))
        elif list_id == "referrers":
            self.jump_to(NodeId(message.key))

    # -- actions ----------------------------------------------------------------------------
    def action_enter(self, target: NodeId | None = None) -> None:
        """Make the highlighted node the parent of a new level (its references)."""
        node = self.selected
        if node is None:
            return
        refs = self._sorted(self._neighbours(node, self._succ))
        if not refs:
            self.notify(f"{self.graph.component(node).name} has no references", timeout=2)
            return
        cursor = refs.index(target) if target is not None and target in refs else 0
        self.levels.append(Level(node, refs, cursor))
        self._show_level()
        self.query_one("#current", PathList).focus()

    def action_back(self) -> None:
        """Go back to the previous level."""
        if len(self.levels) > 1:
            self.levels.pop()
            self._show_level()
        self.query_one("#current", PathList).focus()

    def action_roots(self) -> None:
        """Back to the roots."""
        del self.levels[1:]
        self._show_level()
        self.query_one("#current", PathList).focus()

    def action_cycle_sort(self) -> None:
        """Next sort order: closure → added → self → name; every level keeps its selection.

        The middle column's subtitle names the order (no notification: Textual mounts every
        live notification again on each screen change, 15-35 ms a modal while they last).
        """
        self.order = self.order.next()
        for level in self.levels:
            keep = level.selected
            level.items = self._sorted(list(level.items))
            level.cursor = level.items.index(keep) if keep is not None else 0
        self._show_level()

    def action_search(self) -> None:
        """Fuzzy-search every component by name; Enter jumps to it."""

        search = self.app.get_screen("search")
        assert isinstance(search, SearchScreen)
        search.prepare(self._search_candidates(), self.jump_to)
        self.app.push_screen(search)

    def action_why(self) -> None:
        """Every chain from the roots to the highlighted node (capped)."""
        node = self.selected
        if node is not None:
            why = self.app.get_screen("why")
            assert isinstance(why, WhyScreen)
            why.prepare(node)
            self.app.push_screen(why)

    def action_copy(self) -> None:
        """Copy the highlighted store path (OSC 52) and say so."""
        node = self.selected
        if node is not None:
            self.app.copy_to_clipboard(str(node))
            self.notify(f"copied {node}", timeout=2)

    def jump_to(self, node: NodeId) -> None:
        """Show ``node`` at the end of a shortest chain from a root."""
        if node not in self.graph:
            return
        chain = self._root_chains().chain(node)
        top = list(self.graph.roots)
        if chain[0] not in top:
            top.append(chain[0])
        roots = self._sorted(top)
        levels = [Level(None, roots, roots.index(chain[0]))]
        for parent, child in itertools.pairwise(chain):
            refs = self._sorted(self._neighbours(parent, self._succ))
            levels.append(Level(parent, refs, refs.index(child)))
        self.levels = levels
        self._show_level()
        self.query_one("#current", PathList).focus()
