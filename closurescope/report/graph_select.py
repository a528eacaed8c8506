"""Which components a review picture shows: scope (why/focus/depth), pruning, folding.

Pure functions over a DepGraph. A picture shows *kept* nodes; every other node of the scope
is *hidden* and either folded into one ``+N more`` node under the kept node that reaches it
first (breadth-first, nearest kept ancestor; ties by id), or, when no kept node reaches it,
into one parentless fold. So every component of the scope is drawn exactly once, as itself or
inside one fold. Edges between kept nodes are *direct* (a real reference) or *indirect* (a
chain through hidden nodes only, drawn dashed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from closurescope.errors import UsageError
from closurescope.model import Closure, ComponentKind, DepGraph, NodeId, split_name_version

BY_CHOICES = ("added", "closure", "self", "layer")
"""Ranking metrics for ``--by`` (``layer`` ranks by added size, every layer in turn)."""

DEFAULT_TOP = 30
"""Components kept by default: enough to see what is big, few enough to render in a second."""


@dataclass(frozen=True, slots=True)
class Fold:
    """Hidden components drawn as one ``+N more`` node under ``owner`` (None: no kept parent)."""

    owner: NodeId | None
    members: tuple[NodeId, ...]
    size: int | None
    """Sum of the members' weights (self size, or delta in diffs); None if any is unknown."""


@dataclass(frozen=True, slots=True)
class Edge:
    """A drawn edge between kept nodes (dependent → dependency)."""

    src: NodeId
    dst: NodeId
    direct: bool
    """True for a real reference, False for a chain through hidden nodes."""


@dataclass(frozen=True, slots=True)
class Selection:
    """What to draw: kept nodes (sorted), edges (sorted), folds (sorted by owner)."""

    nodes: tuple[NodeId, ...]
    edges: tuple[Edge, ...]
    folds: tuple[Fold, ...]
    highlighted: frozenset[NodeId]
    """Targets of ``--why`` and the ``--focus`` component(s)."""
    scope_size: int
    """How many components the scope (after why/focus/depth) held."""


def match_components(graph: DepGraph, pattern: str, *, option: str) -> tuple[NodeId, ...]:
    """Components named by ``pattern``: exact id, else exact name or package name, else substring.

    Raises UsageError naming ``option`` when nothing matches.
    """
    if pattern in graph:
        return (NodeId(pattern),)
    comps = graph.components
    exact = [n for n, c in comps.items() if pattern in (c.name, c.pname)]
    if exact:
        return tuple(sorted(exact))
    loose = [n for n, c in comps.items() if pattern in c.name or pattern in n]
    if loose:
        return tuple(sorted(loose))
    raise UsageError(f"{option} {pattern}: no component matches (try a name such as glibc)")


def _bfs(
    start: Iterable[NodeId], step: Callable[[NodeId], Iterable[NodeId]], depth: int | None
) -> set[NodeId]:
    seen = set(start)
    frontier = sorted(seen)
    level = 0
    while frontier and (depth is None or level < depth):
        nxt: list[NodeId] = []
        for node in frontier:
            for other in step(node):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        frontier = sorted(nxt)
        level += 1
    return seen


def scope_of(
    graph: DepGraph,
    *,
    why: str | None = None,
    focus: str | None = None,
    depth: int | None = None,
) -> tuple[frozenset[NodeId], frozenset[NodeId]]:
    """The components a picture may show, and the ones to highlight.

    ``why``: every component on a chain from a root to a matching component. ``focus``: the
    matching components, their dependencies and their referrers, ``depth`` steps each way
    (unlimited when None). ``depth`` alone: the roots and ``depth`` levels of dependencies.
    """
    if depth is not None and depth < 0:
        raise UsageError(f"--depth {depth}: must be 0 or more")
    scope: set[NodeId] = set(graph.components)
    highlighted: set[NodeId] = set()
    if why is not None:
        targets = match_components(graph, why, option="--why")
        highlighted.update(targets)
        chains: set[NodeId] = set()
        for target in targets:
            chains |= graph.referrers_closure(target)
        if graph.roots:
            chains &= graph.closure(graph.roots)
        scope &= chains
    if focus is not None:
        centre = match_components(graph, focus, option="--focus")
        highlighted.update(centre)
        down = _bfs(centre, graph.references, depth)
        up = _bfs(centre, graph.referrers, depth)
        scope &= down | up
    elif depth is not None:
        scope &= _bfs(graph.roots, graph.references, depth)
    return frozenset(scope), frozenset(highlighted & scope)


def layer_of(closure: Closure) -> dict[NodeId, int]:
    """The layer holding most of each component's bytes (layer components: their own index).

    Components whose files carry no layer are absent. Ties go to the lowest layer.
    """
    out: dict[NodeId, int] = {}
    if not closure.layers:
        return out
    indexes = {layer.index for layer in closure.layers}
    for node, comp in closure.graph.components.items():
        if comp.kind is ComponentKind.LAYER:
            tail = node.rsplit(":", 1)[-1]
            if tail.isdigit() and int(tail) in indexes:
                out[node] = int(tail)
    if closure.files is None:
        return out
    weight: dict[NodeId, dict[int, int]] = {}
    for entry in closure.files.entries.values():
        if entry.component is None or entry.layer is None:
            continue
        node = NodeId(entry.component)
        if node in out or node not in closure.graph:
            continue
        per = weight.setdefault(node, {})
        per[entry.layer] = per.get(entry.layer, 0) + entry.size + 1
    for node, per in weight.items():
        out[node] = min(per, key=lambda idx: (-per[idx], idx))
    return out


def rank_order(
    nodes: Iterable[NodeId],
    metric: Mapping[NodeId, int | None],
    groups: Mapping[NodeId, int] | None = None,
) -> list[NodeId]:
    """Heaviest first (unknown last, ties by id); with ``groups``, every group in turn."""

    def key(node: NodeId) -> tuple[int, str]:
        value = metric.get(node)
        return (-(value if value is not None else -1), node)

    ordered = sorted(nodes, key=key)
    if groups is None:
        return ordered
    seen_in_group: dict[int, int] = {}
    turn: dict[NodeId, int] = {}
    for node in ordered:
        group = groups.get(node, -1)
        turn[node] = seen_in_group.get(group, 0)
        seen_in_group[group] = turn[node] + 1
    return sorted(ordered, key=lambda n: (turn[n], *key(n)))


def select(
    graph: DepGraph,
    scope: frozenset[NodeId],
    metric: Mapping[NodeId, int | None],
    weight: Mapping[NodeId, int | None],
    *,
    top: int | None,
    highlighted: frozenset[NodeId] = frozenset(),
    groups: Mapping[NodeId, int] | None = None,
    reduce: bool = False,
) -> Selection:
    """Keep the ``top`` heaviest components of ``scope`` (all when None or 0), fold the rest.

    Highlighted components are always kept, then the scope's roots, then the heaviest by
    ``metric``; with ``groups`` (layers), no root preference but every group in turn.
    ``weight`` gives a fold's size. Dashed edges (chains through hidden nodes) are drawn only
    when no other drawn edges already connect the two; ``reduce`` drops every implied edge.
    """
    if top is not None and top < 0:
        raise UsageError(f"--top {top}: must be 0 (everything) or more")
    succ: dict[NodeId, tuple[NodeId, ...]] = {
        n: tuple(m for m in graph.references(n) if m in scope) for n in sorted(scope)
    }
    has_pred = {m for targets in succ.values() for m in targets}
    roots = [r for r in graph.roots if r in scope] or sorted(scope - has_pred)
    if not top or len(scope) <= top:
        kept = set(scope)
    else:
        kept = set(highlighted)
        for node in rank_order(roots, metric) if groups is None else ():
            if len(kept) >= top:
                break
            kept.add(node)
        for node in rank_order(scope - kept, metric, groups):
            if len(kept) >= top:
                break
            kept.add(node)
    edges = _reduce(_kept_edges(succ, kept), only_indirect=not reduce)
    folds = _folds(succ, kept, scope, weight)
    return Selection(
        nodes=tuple(sorted(kept)),
        edges=tuple(sorted(edges, key=lambda e: (e.src, e.dst))),
        folds=folds,
        highlighted=highlighted,
        scope_size=len(scope),
    )


def _kept_edges(succ: Mapping[NodeId, tuple[NodeId, ...]], kept: set[NodeId]) -> list[Edge]:
    edges: list[Edge] = []
    for src in sorted(kept):
        direct = {m for m in succ[src] if m in kept}
        indirect: set[NodeId] = set()
        stack = [m for m in succ[src] if m not in kept]
        seen = set(stack)
        while stack:
            node = stack.pop()
            for nxt in succ[node]:
                if nxt in kept:
                    if nxt != src:
                        indirect.add(nxt)
                elif nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        edges.extend(Edge(src, dst, True) for dst in sorted(direct))
        edges.extend(Edge(src, dst, False) for dst in sorted(indirect - direct))
    return edges


def _reduce(edges: list[Edge], *, only_indirect: bool = False) -> list[Edge]:
    """Drop edges a→b when b is reachable from a another way (transitive reduction).

    With ``only_indirect``, only dashed (through hidden nodes) edges may go. Acyclic graphs use
    reachability bitsets (the reduction is unique); graphs with cycles drop edges one at a time,
    each checked against what is left, so reachability never changes.
    """
    nodes = sorted({e.src for e in edges} | {e.dst for e in edges})
    index = {n: i for i, n in enumerate(nodes)}
    succ: list[list[int]] = [[] for _ in nodes]
    indegree = [0] * len(nodes)
    for e in edges:
        succ[index[e.src]].append(index[e.dst])
        indegree[index[e.dst]] += 1
    order: list[int] = []
    ready = [i for i, d in enumerate(indegree) if d == 0]
    while ready:
        i = ready.pop()
        order.append(i)
        for j in succ[i]:
            indegree[j] -= 1
            if indegree[j] == 0:
                ready.append(j)
    if len(order) < len(nodes):
        return _reduce_greedy(edges, only_indirect)
    below = [0] * len(nodes)  # bitset of each node's strict descendants
    for i in reversed(order):
        bits = 0
        for j in succ[i]:
            bits |= (1 << j) | below[j]
        below[i] = bits
    via_other = [0] * len(nodes)
    for i in range(len(nodes)):
        for j in succ[i]:
            via_other[i] |= below[j]
    return [
        e
        for e in edges
        if (only_indirect and e.direct) or not (via_other[index[e.src]] >> index[e.dst]) & 1
    ]


def _reduce_greedy(edges: list[Edge], only_indirect: bool) -> list[Edge]:
    out_of: dict[NodeId, set[NodeId]] = {}
    for edge in edges:
        out_of.setdefault(edge.src, set()).add(edge.dst)
    dropped: set[tuple[NodeId, NodeId]] = set()
    for edge in sorted(edges, key=lambda e: (e.direct, e.src, e.dst)):
        if only_indirect and edge.direct:
            continue
        stack = [m for m in out_of[edge.src] if m != edge.dst]
        seen = {edge.src, *stack}
        implied = False
        while stack and not implied:
            node = stack.pop()
            for nxt in out_of.get(node, ()):
                if nxt == edge.dst:
                    implied = True
                    break
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        if implied:
            out_of[edge.src].discard(edge.dst)
            dropped.add((edge.src, edge.dst))
    return [e for e in edges if (e.src, e.dst) not in dropped]


def _folds(
    succ: Mapping[NodeId, tuple[NodeId, ...]],
    kept: set[NodeId],
    scope: frozenset[NodeId],
    weight: Mapping[NodeId, int | None],
) -> tuple[Fold, ...]:
    owner: dict[NodeId, NodeId] = {}
    frontier = [(n, n) for n in sorted(kept)]
    while frontier:
        nxt: list[tuple[NodeId, NodeId]] = []
        for node, own in frontier:
            for child in succ[node]:
                if child not in kept and child not in owner:
                    owner[child] = own
                    nxt.append((child, own))
        frontier = nxt
    members: dict[NodeId | None, list[NodeId]] = {}
    for node in sorted(scope - kept):
        members.setdefault(owner.get(node), []).append(node)
    folds: list[Fold] = []
    for owned in sorted(members, key=lambda o: (o is None, o or "")):
        group = members[owned]
        values = [weight.get(n) for n in group]
        size = None if any(v is None for v in values) else sum(v or 0 for v in values)
        folds.append(Fold(owned, tuple(group), size))
    return tuple(folds)


def group_key(kind: ComponentKind, name: str) -> NodeId:
    """How diffs match components across two closures: kind and package name (no version)."""
    return NodeId(f"{kind.value}:{split_name_version(name)[0]}")
