"""DepGraph: the one wrapper over ``networkx.DiGraph``; edges point from dependent to dependency.

Nothing outside this module touches networkx directly: analyses use the domain-named methods
here (``references``, ``referrers``, ``closure``, ``restrict``, ``indexed`` …).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING

from closurescope.model.component import Component
from closurescope.model.ids import NodeId

if TYPE_CHECKING:
    import networkx as nx


class _NoData(dict[str, object]):
    """The one attribute dict every node and edge of a DepGraph shares: DepGraph stores no
    attributes, and a fresh empty dict per edge costs 64 bytes × 1.25 M edges on a big
    closure. networkx's documented way (``edge_attr_dict_factory``, see ``nx.Graph``'s
    "Subclasses" section); adding an attribute raises instead of leaking into every edge."""

    __slots__ = ()

    def __setitem__(self, key: str, value: object) -> None:
        raise TypeError("DepGraph nodes and edges carry no attributes")

    def update(self, *args: object, **kwargs: object) -> None:
        if any(args) or kwargs:
            raise TypeError("DepGraph nodes and edges carry no attributes")

    def setdefault(self, key: str, default: object = None) -> object:
        raise TypeError("DepGraph nodes and edges carry no attributes")

    def __copy__(self) -> _NoData:
        return self

    def __deepcopy__(self, memo: object) -> _NoData:
        return self


_NO_DATA = _NoData()


def _no_data() -> _NoData:
    return _NO_DATA


@cache
def _graph_class() -> type[nx.DiGraph[NodeId]]:
    """networkx.DiGraph whose nodes and edges all share one empty attribute dict.

    Made on first use: networkx is imported only when a graph is built (about 0.1 s), so
    commands that need only files (``closurescope dupes`` on a directory) never pay for it.
    """
    import networkx

    class _Graph(networkx.DiGraph):  # type: ignore[type-arg]
        node_attr_dict_factory = staticmethod(_no_data)
        edge_attr_dict_factory = staticmethod(_no_data)

    return _Graph


class GraphIntegrityError(ValueError):
    """The graph a loader assembled is inconsistent (a reference to a missing node, a cycle)."""


@dataclass(frozen=True, slots=True)
class IndexedGraph:
    """A compact integer view of a DepGraph for fast whole-graph algorithms.

    ``ids[i]`` is node i; nodes are numbered in sorted id order. ``succ[i]`` lists the
    dependencies of node i (sorted), ``pred[i]`` its referrers; ``sizes[i]`` is its self size
    (None when unknown); ``roots`` are the indices of the graph's roots.
    """

    ids: tuple[NodeId, ...]
    index: Mapping[NodeId, int]
    succ: tuple[tuple[int, ...], ...]
    pred: tuple[tuple[int, ...], ...]
    sizes: tuple[int | None, ...]
    roots: tuple[int, ...]


class DepGraph:
    """A read-only dependency graph of Components (edges: dependent → dependency).

    Build one with DepGraphBuilder. Self-references are not edges (Nix lists them, but a path
    does not keep itself alive); other cycles are rejected by the builder.
    """

    __slots__ = ("_components", "_evidence", "_g", "_indexed", "_roots")

    def __init__(
        self,
        graph: nx.DiGraph[NodeId],
        components: dict[NodeId, Component],
        roots: tuple[NodeId, ...],
        evidence: dict[tuple[NodeId, NodeId], tuple[str, ...]],
    ) -> None:
        self._g = graph
        self._components = components
        self._roots = roots
        self._evidence = evidence
        self._indexed: IndexedGraph | None = None

    # -- nodes ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._components)

    def __contains__(self, node: object) -> bool:
        return node in self._components

    def __iter__(self) -> Iterator[NodeId]:
        return iter(sorted(self._components))

    @property
    def components(self) -> Mapping[NodeId, Component]:
        """Every component by id (read-only)."""
        return MappingProxyType(self._components)

    def component(self, node: NodeId) -> Component:
        """The component with this id (KeyError when absent)."""
        return self._components[node]

    @property
    def roots(self) -> tuple[NodeId, ...]:
        """The roots the closure was asked for (sorted); by default the nodes nobody references."""
        return self._roots

    def edge_count(self) -> int:
        """Number of references (self-references excluded)."""
        return int(self._g.number_of_edges())

    # -- edges ------------------------------------------------------------------------------
    def references(self, node: NodeId) -> tuple[NodeId, ...]:
        """Direct dependencies of ``node``, sorted."""
        return tuple(sorted(self._g.successors(node)))

    def referrers(self, node: NodeId) -> tuple[NodeId, ...]:
        """Direct dependents of ``node``, sorted."""
        return tuple(sorted(self._g.predecessors(node)))

    def edges(self) -> tuple[tuple[NodeId, NodeId], ...]:
        """Every (dependent, dependency) pair, sorted."""
        return tuple(sorted(self._g.edges()))

    def evidence(self, dependent: NodeId, dependency: NodeId) -> tuple[str, ...]:
        """Files (in-image paths) of ``dependent`` that mention ``dependency``, when known."""
        return self._evidence.get((dependent, dependency), ())

    # -- derived graphs ---------------------------------------------------------------------
    def closure(self, nodes: NodeId | Iterable[NodeId]) -> frozenset[NodeId]:
        """Everything reachable from ``nodes`` (themselves included)."""
        start = [nodes] if isinstance(nodes, str) else list(nodes)
        seen: set[NodeId] = set(start)
        stack = list(start)
        succ = self._g.succ
        while stack:
            for nxt in succ[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)

    def referrers_closure(self, node: NodeId) -> frozenset[NodeId]:
        """Everything that depends on ``node`` directly or not (itself included)."""
        seen: set[NodeId] = {node}
        stack = [node]
        pred = self._g.pred
        while stack:
            for nxt in pred[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return frozenset(seen)

    def restrict(self, nodes: Iterable[NodeId], roots: Iterable[NodeId] | None = None) -> DepGraph:
        """The subgraph induced by ``nodes`` (roots default to those of ours still present)."""
        keep = set(nodes)
        sub: nx.DiGraph[NodeId] = self._g.subgraph(keep).copy()
        comps = {n: c for n, c in self._components.items() if n in keep}
        new_roots = (
            tuple(sorted(set(roots)))
            if roots is not None
            else tuple(r for r in self._roots if r in keep) or _default_roots(sub)
        )
        ev = {k: v for k, v in self._evidence.items() if k[0] in keep and k[1] in keep}
        return DepGraph(sub, comps, new_roots, ev)

    def reverse(self) -> DepGraph:
        """The same nodes with every edge turned round (dependency → dependent)."""
        rev: nx.DiGraph[NodeId] = self._g.reverse(copy=True)
        ev = {(b, a): v for (a, b), v in self._evidence.items()}
        return DepGraph(rev, dict(self._components), _default_roots(rev), ev)

    def shortest_path(self, source: NodeId, target: NodeId) -> tuple[NodeId, ...] | None:
        """One shortest dependency chain from ``source`` to ``target``, or None."""
        import networkx as nx

        try:
            path: list[NodeId] = nx.shortest_path(self._g, source, target)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            return None
        return tuple(path)

    def transitive_reduction(self) -> DepGraph:
        """The smallest graph with the same reachability (for drawing)."""
        import networkx as nx

        red: nx.DiGraph[NodeId] = nx.transitive_reduction(self._g)
        red.add_nodes_from(self._g.nodes)
        ev = {k: v for k, v in self._evidence.items() if red.has_edge(*k)}
        return DepGraph(red, dict(self._components), self._roots, ev)

    def indexed(self) -> IndexedGraph:
        """A cached integer-indexed view for whole-graph algorithms (sizes, dominators)."""
        if self._indexed is None:
            ids = tuple(sorted(self._components))
            index = {n: i for i, n in enumerate(ids)}
            succ = tuple(tuple(sorted(index[m] for m in self._g.succ[n])) for n in ids)
            pred = tuple(tuple(sorted(index[m] for m in self._g.pred[n])) for n in ids)
            sizes = tuple(self._components[n].self_size for n in ids)
            roots = tuple(index[r] for r in self._roots)
            self._indexed = IndexedGraph(ids, MappingProxyType(index), succ, pred, sizes, roots)
        return self._indexed


def _default_roots(graph: nx.DiGraph[NodeId]) -> tuple[NodeId, ...]:
    return tuple(sorted(n for n in graph.nodes if graph.in_degree(n) == 0))


class DepGraphBuilder:
    """The mutable side of DepGraph: loaders add components and references, then build()."""

    def __init__(self) -> None:
        self._components: dict[NodeId, Component] = {}
        self._edges: dict[NodeId, set[NodeId]] = {}
        self._evidence: dict[tuple[NodeId, NodeId], set[str]] = {}
        self._roots: list[NodeId] = []

    def __contains__(self, node: object) -> bool:
        return node in self._components

    def add(self, component: Component) -> None:
        """Add (or replace) a component."""
        self._components[component.id] = component
        self._edges.setdefault(component.id, set())

    def get(self, node: NodeId) -> Component | None:
        """The component added under this id, if any."""
        return self._components.get(node)

    def add_reference(
        self, dependent: NodeId, dependency: NodeId, evidence: Iterable[str] = ()
    ) -> None:
        """Record that ``dependent`` references ``dependency`` (self-references are ignored)."""
        if dependent == dependency:
            return
        self._edges.setdefault(dependent, set()).add(dependency)
        ev = list(evidence)
        if ev:
            self._evidence.setdefault((dependent, dependency), set()).update(ev)

    def add_root(self, node: NodeId) -> None:
        """Declare a root (what the user asked about)."""
        if node not in self._roots:
            self._roots.append(node)

    def build(self, *, allow_cycles: bool = False) -> DepGraph:
        """Freeze into a DepGraph; raises GraphIntegrityError on dangling references or cycles."""
        components = self._components
        present = components.keys()
        sources = sorted(self._edges)
        for src in sources:
            if src not in components:
                raise GraphIntegrityError(f"references from {src}, which is not in the set")
            targets = self._edges[src]
            if not present >= targets:
                dst = min(d for d in targets if d not in components)
                raise GraphIntegrityError(f"{src} references {dst}, which is not in the set")
        import networkx as nx

        graph: nx.DiGraph[NodeId] = _graph_class()()
        graph.add_nodes_from(sorted(components))
        # One generator, no list of 1.25 M pairs; same insertion order as before (sorted).
        graph.add_edges_from((src, dst) for src in sources for dst in sorted(self._edges[src]))
        if not allow_cycles and not nx.is_directed_acyclic_graph(graph):  # fast check first
            try:
                cycle = nx.find_cycle(graph)
            except nx.NetworkXNoCycle:
                cycle = []
            if cycle:
                names = " -> ".join(str(a) for a, _ in cycle) + f" -> {cycle[0][0]}"
                raise GraphIntegrityError(f"reference cycle: {names}")
        for root in self._roots:
            if root not in self._components:
                raise GraphIntegrityError(f"root {root} is not in the set")
        roots = tuple(sorted(self._roots)) if self._roots else _default_roots(graph)
        evidence = {k: tuple(sorted(v)) for k, v in self._evidence.items()}
        return DepGraph(graph, self._components, roots, evidence)
