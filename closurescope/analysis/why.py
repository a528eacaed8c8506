"""Why is this in my closure? Dependency chains from the roots to a target.

Like ``nix why-depends`` (one shortest chain per root) and its ``--all`` (every chain), and
like nix-tree's why-depends view, which enumerates every chain but caps the enumeration
(at 1 000 000, after an out-of-memory report). Here the cap is ``limit`` (default 1000): chains
come shortest first, then in lexicographic order of their node ids, so the first ``limit`` are
always the same ones; the total number of chains is counted separately by dynamic programming
over the DAG, so it is reported even when the enumeration stops early.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

from closurescope.model import DepGraph, NodeId, store_path_name

Chain = tuple[NodeId, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class WhyResult:
    """Chains from the sources (default: the graph's roots) down to ``target``."""

    target: NodeId
    sources: tuple[NodeId, ...]
    shortest: Mapping[NodeId, Chain]
    """For each source whose closure holds the target: its shortest chain (the
    lexicographically smallest of the shortest ones). Sources that do not reach it are absent."""
    chains: tuple[Chain, ...]
    """Every chain from a source to the target, shortest first then lexicographic, capped."""
    truncated: bool
    """True when more chains exist than ``chains`` holds."""
    total: int | None
    """How many chains exist in all (None when cycles make the count ill-defined)."""

    @property
    def reachable(self) -> bool:
        """True when some source depends on the target."""
        return bool(self.shortest)


def _distances_to(pred: tuple[tuple[int, ...], ...], target: int) -> dict[int, int]:
    """Edges needed from each node to reach ``target`` (BFS over referrers)."""
    dist = {target: 0}
    queue = deque([target])
    while queue:
        node = queue.popleft()
        step = dist[node] + 1
        for parent in pred[node]:
            if parent not in dist:
                dist[parent] = step
                queue.append(parent)
    return dist


def _count_paths(
    pred: tuple[tuple[int, ...], ...], target: int, relevant: Mapping[int, int]
) -> list[int] | None:
    """Number of chains from each relevant node to ``target``, by node index (None if the
    relevant part has a cycle).

    ``relevant`` is every node that reaches ``target``, so every referrer of a relevant node
    is relevant too. Counts flow up from ``target`` in topological order (Kahn): a node is
    done once all its relevant references are; a node never done sits on a cycle.
    """
    waiting = [0] * len(pred)  # relevant references of each node not yet counted
    for node in relevant:
        for parent in pred[node]:
            waiting[parent] += 1
    if waiting[target]:
        return None  # a reference of the target reaches it back: a cycle through it
    counts = [0] * len(pred)
    counts[target] = 1
    ready = [target]
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        count = counts[node]
        for parent in pred[node]:
            counts[parent] += count
            waiting[parent] -= 1
            if not waiting[parent]:
                ready.append(parent)
    return counts if done == len(relevant) else None


def _shortest_chain(
    succ: tuple[tuple[int, ...], ...], source: int, dist: Mapping[int, int]
) -> tuple[int, ...]:
    chain = [source]
    node = source
    while dist[node]:
        want = dist[node] - 1
        node = min(c for c in succ[node] if dist.get(c) == want)
        chain.append(node)
    return tuple(chain)


def why_depends(
    graph: DepGraph,
    target: NodeId,
    *,
    sources: Iterable[NodeId] | None = None,
    limit: int = 1000,
) -> WhyResult:
    """Chains from ``sources`` (default: the roots) to ``target``; at most ``limit`` listed.

    Enumeration is a best-first search over partial chains keyed by (length so far + exact
    distance left, chain): with an exact distance the first complete chains popped are the
    shortest, and among equal lengths a prefix sorts before its extensions, so chains come
    out in (length, lexicographic) order. Every partial chain kept can be completed, so the
    work is proportional to the chains listed, not to all chains. All of it runs over the
    graph's integer index (``DepGraph.indexed``), whose numbering is the sorted order of the
    ids: comparing index tuples orders chains exactly as comparing id tuples would.
    """
    if target not in graph:
        raise KeyError(target)
    srcs = tuple(sorted(set(graph.roots if sources is None else sources)))
    for s in srcs:
        if s not in graph:
            raise KeyError(s)
    ig = graph.indexed()
    ids, succ = ig.ids, ig.succ
    goal = ig.index[target]
    dist = _distances_to(ig.pred, goal)
    reaching = [i for i in (ig.index[s] for s in srcs) if i in dist]
    shortest = {ids[i]: tuple(ids[n] for n in _shortest_chain(succ, i, dist)) for i in reaching}
    counts = _count_paths(ig.pred, goal, dist)
    total = None if counts is None else sum(counts[i] for i in reaching)

    found: list[tuple[int, ...]] = []
    heap: list[tuple[int, tuple[int, ...]]] = [(dist[i], (i,)) for i in reaching]
    heapq.heapify(heap)
    truncated = False
    while heap:
        _, chain = heapq.heappop(heap)
        last = chain[-1]
        if last == goal:
            if len(found) == limit:
                truncated = True
                break
            found.append(chain)
            continue
        g = len(chain)
        for child in succ[last]:
            d = dist.get(child)
            if d is not None and child not in chain:
                heapq.heappush(heap, (g + d, (*chain, child)))
    if total is not None:
        truncated = total > len(found)
    return WhyResult(
        target=target,
        sources=srcs,
        shortest=dict(sorted(shortest.items())),
        chains=tuple(tuple(ids[n] for n in chain) for chain in found),
        truncated=truncated,
        total=total,
    )


def find_targets(graph: DepGraph, query: str) -> list[NodeId]:
    """Nodes a user means by ``query``, by the first rule that matches anything:

    exact id; store path name (``glibc-2.39``); package name without version, any output
    (``glibc`` matches ``glibc-2.39`` and ``glibc-2.39-bin``); glob on the name (when the
    query has ``*?[``); case-insensitive substring of the name or id. Sorted.
    """
    if query in graph:
        return [NodeId(query)]
    comps = graph.components
    lowered = query.lower()
    globbing = any(c in query for c in "*?[")

    def exact_name(node: NodeId) -> bool:
        return comps[node].name == query or store_path_name(node) == query

    def package(node: NodeId) -> bool:
        return comps[node].pname == query

    def glob(node: NodeId) -> bool:
        return globbing and fnmatchcase(comps[node].name, query)

    def substring(node: NodeId) -> bool:
        return lowered in comps[node].name.lower() or lowered in node.lower()

    rules: tuple[Callable[[NodeId], bool], ...] = (exact_name, package, glob, substring)
    for rule in rules:
        found = sorted(node for node in comps if rule(node))
        if found:
            return found
    return []


def shortest_chains(graph: DepGraph, targets: Iterable[NodeId]) -> dict[NodeId, Chain]:
    """For each target, one shortest chain from a root: the lexicographically smallest of the
    shortest ones over all roots (``nix why-depends ROOT TARGET`` for the best ROOT).

    One breadth-first search from the roots serves every target: each level is kept in
    lexicographic order of the chains reaching it (parents in order, children sorted), so the
    first chain to reach a node is the smallest of its shortest chains. Nodes no declared root
    reaches are then reached from the nodes nobody references; a node in a cycle nobody enters
    is its own chain.
    """
    ig = graph.indexed()
    n = len(ig.ids)
    parent = [-2] * n  # -2: not reached, -1: a source
    succ = ig.succ

    def bfs(sources: Iterable[int]) -> None:
        frontier = sorted(s for s in sources if parent[s] == -2)
        for s in frontier:
            parent[s] = -1
        while frontier:
            following: list[int] = []
            for u in frontier:
                for w in succ[u]:
                    if parent[w] == -2:
                        parent[w] = u
                        following.append(w)
            frontier = following

    bfs(ig.roots)
    bfs(v for v in range(n) if not ig.pred[v])
    out: dict[NodeId, Chain] = {}
    for target in sorted(set(targets)):
        i = ig.index[target]
        chain = [i]
        while parent[chain[-1]] >= 0:
            chain.append(parent[chain[-1]])
        out[target] = tuple(ig.ids[j] for j in reversed(chain))
    return out


def shortest_chain(graph: DepGraph, target: NodeId) -> Chain:
    """One shortest chain from a root to ``target`` (see ``shortest_chains``)."""
    return shortest_chains(graph, [target])[target]
