"""The search modal: fuzzy search over every component name (``/`` in the browser).

Installed once and composed before the first frame (see ``ClosurescopeApp.on_mount``): ``/``
resets it (``prepare``) and pushes it, so no key composes or mounts it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from closurescope.model import DepGraph, NodeId
from closurescope.tui.view import fuzzy_filter
from closurescope.tui.widgets.path_list import LazyRows, PathList, Row

MAX_RESULTS = 500
"""Matches listed (the best ones); the count line says how many matched in all."""


class SearchScreen(ModalScreen[NodeId | None]):
    """Type to filter (subsequence, best match first); Enter jumps; Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("down", "to_results", "Results", show=False),
    ]

    def __init__(self, graph: DepGraph, candidates: Sequence[tuple[str, str]] = ()) -> None:
        super().__init__(name="search")
        self.graph = graph
        self.candidates = candidates
        """``(node id, name)`` of every component, sorted by name."""
        self._last: tuple[str, list[tuple[str, str]]] = ("", list(candidates))
        """The previous query and everything it matched: a longer query only narrows it."""
        self._on_choose: Callable[[NodeId], None] | None = None

    def prepare(
        self,
        candidates: Sequence[tuple[str, str]],
        on_choose: Callable[[NodeId], None] | None = None,
    ) -> None:
        """Start again from an empty query over ``candidates`` (before each push).

        ``on_choose`` gets the chosen node before the screen below comes back, so that the
        screen below is painted once, already showing it (a callback given to ``push_screen``
        runs after: two full frames).
        """
        self.candidates = candidates
        self._on_choose = on_choose
        if self.is_mounted:
            search_input = self.query_one(Input)
            with search_input.prevent(Input.Changed):
                search_input.value = ""
            self._update("")
            search_input.focus()

    def compose(self) -> ComposeResult:
        """An input over the result list."""
        with Vertical(id="search-dialog", classes="dialog"):
            yield Label("Search components (fuzzy; Enter jumps, Esc cancels)", classes="title")
            yield Input(placeholder="name…", id="search-input")
            yield PathList(id="search-results", empty_text="(no match)")
            yield Label("", id="search-count")

    def on_mount(self) -> None:
        """Start with every component listed."""
        self._update("")
        self.query_one(Input).focus()

    def _update(self, query: str) -> None:
        last_query, last_matches = self._last
        pool = last_matches if query.startswith(last_query) else self.candidates
        if query:
            matches, keys = fuzzy_filter(query, pool, limit=MAX_RESULTS)
            self._last = (query, matches)
        else:
            self._last = ("", list(self.candidates))
            keys = [key for key, _ in self.candidates[:MAX_RESULTS]]
        rows = LazyRows(keys, lambda k: Row(key=k, label=self.graph.component(NodeId(k)).name))
        self.query_one("#search-results", PathList).set_rows(rows)
        total = len(self.candidates)
        matched = len(self._last[1])
        shown = f"{matched} of {total} match" + (
            f", the best {MAX_RESULTS} shown" if matched > MAX_RESULTS else ""
        )
        self.query_one("#search-count", Label).update(shown, layout=False)  # fixed width

    def on_input_changed(self, event: Input.Changed) -> None:
        """Refilter on every keystroke."""
        self._update(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the input takes the best match."""
        row = self.query_one("#search-results", PathList).current
        self._choose(NodeId(row.key) if row is not None else None)

    def on_path_list_selected(self, message: PathList.Selected) -> None:
        """Enter (or double click) on a result takes it."""
        self._choose(NodeId(message.key))

    def action_to_results(self) -> None:
        """Move from the input to the result list."""
        self.query_one("#search-results", PathList).focus()

    def action_cancel(self) -> None:
        """Close without jumping."""
        self._choose(None)

    def _choose(self, node: NodeId | None) -> None:
        if node is not None and self._on_choose is not None:
            self._on_choose(node)
            node = None  # handled: the push callback has nothing left to do
        self.dismiss(node)
