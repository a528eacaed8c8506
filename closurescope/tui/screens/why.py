"""The why-depends modal: every chain from the roots to one node, capped (``w``).

Like nix-tree, the enumeration is capped (``closurescope.analysis.why.why_depends``'s
``limit``) and the cap is shown, so a 12,000-path closure cannot hang the UI. Installed once
and composed before the first frame: ``w`` sets its node (``prepare``) and pushes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from closurescope.analysis.result import NodeSizes
from closurescope.model import DepGraph, NodeId
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.path_list import EMPTY, LazyRows, PathList, Row
from closurescope.units import format_size

WHY_LIMIT = 1000
"""Chains enumerated at most (nix-tree caps too; the title says when the cap was hit)."""


class WhyScreen(ModalScreen[None]):
    """All chains root → … → node, shortest first; the highlighted chain is spelled out below."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,w", "close", "Close"),
        Binding("y", "copy", "Copy chain"),
    ]

    def __init__(
        self,
        graph: DepGraph,
        node: NodeId | None,
        sizes: Mapping[NodeId, NodeSizes],
        limit: int = WHY_LIMIT,
    ) -> None:
        super().__init__(name="why")
        self.graph = graph
        self.node = node
        self.sizes = sizes
        self.limit = limit
        self.chains: tuple[tuple[NodeId, ...], ...] = ()
        self.total: int | None = None
        self.truncated = False
        self.ready = False
        """False until the chains are enumerated (in a thread: big closures take a while)."""
        self._asked = 0
        """Bumped by ``prepare``: a late answer about an earlier node is dropped."""

    def _node_name(self, node: NodeId) -> str:
        return self.graph.component(node).name

    def _title(self, count: str) -> str:
        name = self._node_name(self.node) if self.node is not None else "…"
        return f"Why is {name} in the closure? {count}"

    def compose(self) -> ComposeResult:
        """A title, the chains, and the highlighted chain one node a line."""
        with Vertical(id="why-dialog", classes="dialog"):
            yield Label(self._title("…"), classes="title", id="why-title")
            yield PathList(cell_widths=(3,), id="why-chains", empty_text="enumerating chains…")
            yield Details(id="why-details")

    def prepare(self, node: NodeId) -> None:
        """Forget the previous node's chains and ask about ``node`` (before each push)."""
        self.node = node
        self.chains, self.total, self.truncated, self.ready = (), None, False, False
        self._asked += 1
        if self.is_mounted:
            self.query_one("#why-title", Label).update(self._title("…"), layout=False)
            chain_list = self.query_one("#why-chains", PathList)
            chain_list.empty_text = "enumerating chains…"
            chain_list.set_rows(EMPTY)
            self.query_one("#why-details", Details).show("")

    def on_mount(self) -> None:
        """Focus the list."""
        self.query_one("#why-chains", PathList).focus()

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown: enumerate the chains off the UI thread, once the dialog is painted."""
        if self.node is not None and not self.ready:
            self.call_after_refresh(self._enumerate, self.node, self._asked)

    @work(thread=True, exclusive=True)
    def _enumerate(self, node: NodeId, asked: int) -> None:
        from closurescope.analysis.why import why_depends

        found = why_depends(self.graph, node, limit=self.limit)
        chains = tuple(tuple(c) for c in found.chains)
        self.app.call_from_thread(
            self._show_chains, asked, chains, found.total, bool(found.truncated)
        )

    def _show_chains(
        self,
        asked: int,
        chains: tuple[tuple[NodeId, ...], ...],
        total: int | None,
        truncated: bool,
    ) -> None:
        if asked != self._asked or self.node is None:
            return
        self.chains, self.total, self.truncated = chains, total, truncated
        self.ready = True
        shown = len(chains)
        if truncated:
            count = f"{shown} chains shown, capped at {self.limit} (of {total or 'more'})"
        else:
            count = f"{shown} chain{'s' if shown != 1 else ''}"
        self.query_one("#why-title", Label).update(self._title(count), layout=False)

        def row(key: str) -> Row:
            chain = chains[int(key)]
            label = " → ".join(self._node_name(n) for n in chain)
            return Row(key=key, label=label, cells=(str(len(chain) - 1),))

        chain_list = self.query_one("#why-chains", PathList)
        chain_list.empty_text = "(a root)"
        chain_list.set_rows(LazyRows([str(i) for i in range(len(chains))], row))
        self._show(0)

    def _show(self, index: int) -> None:
        details = self.query_one("#why-details", Details)
        if self.node is None:
            return
        if not self.chains:
            details.show(self._node_name(self.node), [("", "is a root: nothing leads to it")])
            return
        chain = self.chains[index]
        lines = []
        for depth, node in enumerate(chain):
            sizes = self.sizes.get(node)
            size = format_size(sizes.closure_size if sizes else None)
            name = self._node_name(node)
            lines.append((f"{depth}", f"{'  ' * min(depth, 6)}{name}  ({size})"))
        details.show(f"chain {index + 1} of {len(self.chains)}", lines)

    def on_path_list_highlighted(self, message: PathList.Highlighted) -> None:
        """Spell out the highlighted chain."""
        if self.ready:
            self._show(message.index)

    def action_copy(self) -> None:
        """Copy the highlighted chain as store paths joined by arrows."""
        row = self.query_one("#why-chains", PathList).current
        if row is None:
            return
        chain = self.chains[int(row.key)]
        self.app.copy_to_clipboard(" -> ".join(chain))
        self.notify("copied the chain", timeout=2)

    def action_close(self) -> None:
        """Back to the browser."""
        self.dismiss(None)
