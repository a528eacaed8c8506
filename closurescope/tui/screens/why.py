"""The why-depends modal: every chain from the roots to one node, capped (``w``).

Like nix-tree, the enumeration is capped (``closurescope.analysis.why.why_depends``'s
``limit``) and the cap is shown, so a 12,000-path closure cannot hang the UI.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from closurescope.analysis.result import NodeSizes
from closurescope.model import DepGraph, NodeId
from closurescope.tui.widgets.details import Details
from closurescope.tui.widgets.path_list import LazyRows, PathList, Row
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
        node: NodeId,
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

    def _node_name(self, node: NodeId) -> str:
        return self.graph.component(node).name

    def compose(self) -> ComposeResult:
        """A title, the chains, and the highlighted chain one node a line."""
        name = self._node_name(self.node)
        with Vertical(id="why-dialog", classes="dialog"):
            yield Label(f"Why is {name} in the closure? …", classes="title", id="why-title")
            yield PathList(cell_widths=(3,), id="why-chains", empty_text="enumerating chains…")
            yield Details(id="why-details")

    def on_mount(self) -> None:
        """Focus the list and enumerate the chains off the UI thread."""
        self.query_one("#why-chains", PathList).focus()
        self.call_after_refresh(self._enumerate)  # paint the dialog first, then work

    @work(thread=True, exclusive=True)
    def _enumerate(self) -> None:
        from closurescope.analysis.why import why_depends

        found = why_depends(self.graph, self.node, limit=self.limit)
        chains = tuple(tuple(c) for c in found.chains)
        self.app.call_from_thread(self._show_chains, chains, found.total, bool(found.truncated))

    def _show_chains(
        self, chains: tuple[tuple[NodeId, ...], ...], total: int | None, truncated: bool
    ) -> None:
        self.chains, self.total, self.truncated = chains, total, truncated
        self.ready = True
        shown = len(chains)
        if truncated:
            count = f"{shown} chains shown, capped at {self.limit} (of {total or 'more'})"
        else:
            count = f"{shown} chain{'s' if shown != 1 else ''}"
        name = self._node_name(self.node)
        self.query_one("#why-title", Label).update(f"Why is {name} in the closure? {count}")

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
