"""Self, closure and added sizes, with the meanings Nix, nix-tree and nix-tree-rs give them.

* **self size**: the component alone (a store path's NAR size).
* **closure size**: self size summed over everything reachable, each node once
  (``nix path-info -S``).
* **added size** (nix-tree's global meaning): the bytes that vanish from the union closure of
  all roots if this node alone were removed = the self sizes of every node it dominates in the
  dominator tree under a virtual root placed above all roots.
* :func:`added_size_within` gives nix-tree-rs's per-parent meaning instead.

Everything works on ``DepGraph.indexed()``: closure sizes with Python ints as bitsets over a
children-first order (each node's set = its own bit OR its children's sets; its size = the size
of its biggest child's closure plus the few bytes the other children add), added sizes with the
Cooper-Harvey-Kennedy dominator algorithm over the DFS post-order. Cycles (possible in distro
package graphs, never in Nix closures) are folded into strongly connected components first.
Unknown sizes (None) make every total that includes them None, never 0.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from closurescope.analysis.result import NodeSizes
from closurescope.model import DepGraph, IndexedGraph, NodeId

SizeKey = Literal["closure", "added", "self"]

_SPARSE = 96
"""Up to this many extra bits, summing their weights one by one beats the bit-plane sums."""
_FAN_IN = 48
"""Nodes with more children than this collect their children's bitsets as they finish."""
_SPLIT_MIN = 50_000
"""Graphs with more (strongly connected) components than this get their bitsets in two passes."""
_SPLIT_SHARE = 5
"""The first of the two passes covers the first 1/_SPLIT_SHARE of the bits."""


@dataclass(frozen=True, slots=True)
class _Walk:
    """One DFS over the whole graph from a virtual root: SCCs (children first) and post-order."""

    sccs: list[list[int]]
    """Strongly connected components, each after every component it reaches."""
    scc_of: list[int]
    post: list[int]
    """Nodes in DFS finishing order (a dominator finishes after what it dominates)."""
    starts: list[int]
    """Nodes the virtual root points at: the roots, then unreached nodes nobody references."""


def _start_candidates(ig: IndexedGraph) -> Iterable[int]:
    yield from ig.roots
    yield from (v for v in range(len(ig.ids)) if not ig.pred[v])
    yield from range(len(ig.ids))  # only reached for cycles nobody enters


def _walk(ig: IndexedGraph) -> _Walk:
    """Iterative Tarjan from the virtual root (roots, then extra roots)."""
    n = len(ig.ids)
    succ = ig.succ
    index = [-1] * n
    low = [0] * n
    onstack = [False] * n
    stack: list[int] = []
    sccs: list[list[int]] = []
    scc_of = [-1] * n
    post: list[int] = []
    declared = set(ig.roots)
    # The virtual root points at every root and every node nobody references, even those a
    # DFS from an earlier root reaches first.
    starts = sorted(declared.union(v for v in range(n) if not ig.pred[v]))
    counter = 0
    for s in _start_candidates(ig):
        if index[s] != -1:
            continue
        if ig.pred[s] and s not in declared:
            starts.append(s)  # a node of a cycle nobody enters
        index[s] = low[s] = counter
        counter += 1
        stack.append(s)
        onstack[s] = True
        work = [(s, iter(succ[s]))]
        while work:
            v, it = work[-1]
            for w in it:
                if index[w] == -1:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    onstack[w] = True
                    work.append((w, iter(succ[w])))
                    break
                if onstack[w] and index[w] < low[v]:
                    low[v] = index[w]
            else:
                work.pop()
                post.append(v)
                if work:
                    u = work[-1][0]
                    if low[v] < low[u]:
                        low[u] = low[v]
                if low[v] == index[v]:
                    comp: list[int] = []
                    sid = len(sccs)
                    while True:
                        w = stack.pop()
                        onstack[w] = False
                        scc_of[w] = sid
                        comp.append(w)
                        if w == v:
                            break
                    sccs.append(comp)
    return _Walk(sccs, scc_of, post, starts)


def _idoms(ig: IndexedGraph, walk: _Walk) -> list[int]:
    """Immediate dominators (Cooper, Harvey & Kennedy); ``n`` stands for the virtual root."""
    n = len(ig.ids)
    vroot = n
    pn = [0] * (n + 1)
    for i, v in enumerate(walk.post):
        pn[v] = i
    pn[vroot] = n
    doms = [-1] * (n + 1)
    doms[vroot] = vroot
    is_start = [False] * n
    for s in walk.starts:
        is_start[s] = True
    pred = ig.pred
    rpo = walk.post[::-1]
    acyclic = len(walk.sccs) == n
    changed = True
    while changed:
        changed = False
        for v in rpo:
            new = vroot if is_start[v] else -1
            for p in pred[v]:
                if doms[p] == -1:
                    continue
                if new == -1:
                    new = p
                    continue
                f1, f2 = p, new
                while f1 != f2:
                    while pn[f1] < pn[f2]:
                        f1 = doms[f1]
                    while pn[f2] < pn[f1]:
                        f2 = doms[f2]
                new = f1
            if doms[v] != new:
                doms[v] = new
                changed = True
        if acyclic:
            break  # reverse post-order is topological: one pass is exact
    return doms


def _plane_masks(weights: Sequence[int]) -> list[tuple[int, int]]:
    """``(k, mask)`` pairs: bit i of mask is bit k of weights[i] (built via binary strings:
    setting bits one by one would be quadratic)."""
    top = max(weights, default=0).bit_length()
    if not top:
        return []
    # One binary string per weight, then zip(*…) transposes them into one string per plane:
    # the C loops do the work instead of a Python loop per (weight, plane).
    rows = [format(w, f"0{top}b") for w in reversed(weights)]
    out: list[tuple[int, int]] = []
    for digit, column in enumerate(zip(*rows, strict=True)):
        mask = int("".join(column), 2)
        if mask:
            out.append((top - 1 - digit, mask))
    return out


def _weigh(x: int, weights: Sequence[int], planes: Sequence[tuple[int, int]]) -> int:
    """Sum of weights[i] over the set bits i of x."""
    if x.bit_count() <= _SPARSE:
        digits = bin(x)
        last = len(digits) - 1
        total = 0
        pos = digits.find("1", 2)
        while pos != -1:
            total += weights[last - pos]
            pos = digits.find("1", pos + 1)
        return total
    return sum((x & mask).bit_count() << k for k, mask in planes)


@dataclass(frozen=True, slots=True)
class _Closures:
    size: list[int]
    """Per node: closure size, unknown sizes counted as 0."""
    unknown: list[bool]
    """Per node: some node of its closure has an unknown size."""
    count: list[int]


def _closures(ig: IndexedGraph, walk: _Walk) -> _Closures:
    """Closure size and count of every node, via bitsets over the SCCs (children first).

    A node's bitset is its own bit OR its children's. Its size is its biggest child's closure
    size plus the weight of the bits the other children add (``rest``): summed bit by bit when
    they are few, with the bit planes otherwise. (Summing each child's extra bits separately
    avoids more plane sums but costs three big-int operations per reference instead of one:
    slower on the 100k benchmark, 22 s against 13 s.) A bitset is kept
    only until its last referrer is done; a node with very many children (a ``system-path``)
    instead collects its children's bitsets into one accumulator as they finish, so they do
    not all stay alive until it is reached.

    On big graphs (more than ``_SPLIT_MIN`` components) the bits are split in two ranges and
    each range gets its own pass (sizes and counts add up, unknown-ness ORs). The bitsets still
    alive at any moment are mostly those of early components (shared libraries finish first
    and are referenced until the end), whose sets span all bits up to their own: one pass over
    the first fifth of the bits and one over the rest keep about half as many live bytes as
    one pass over all of them (100k benchmark: 165 → 96 MiB live bitsets at the peak, a few
    seconds more).
    """
    n = len(ig.ids)
    sccs = walk.sccs
    scc_of = walk.scc_of
    m = len(sccs)
    weight = [0] * m
    members = [len(c) for c in sccs]
    unknown = [False] * m
    for sid, comp in enumerate(sccs):
        for v in comp:
            size = ig.sizes[v]
            if size is None:
                unknown[sid] = True
            else:
                weight[sid] += size
    succ = ig.succ
    if m == n:  # a DAG: no list of lists, children are mapped when needed (saves memory)
        first = [comp[0] for comp in sccs]

        def children(sid: int) -> Sequence[int]:
            return [scc_of[w] for w in succ[first[sid]]]

    else:
        folded: list[Sequence[int]] = []
        for sid, comp in enumerate(sccs):
            targets = {scc_of[w] for v in comp for w in succ[v]}
            targets.discard(sid)
            folded.append(sorted(targets))

        def children(sid: int) -> Sequence[int]:
            return folded[sid]

    wide = [False] * m
    parents = [0] * m  # referrers that will pull this bitset
    push_to: dict[int, list[int]] = {}  # wide referrers this bitset is pushed to
    for p in range(m):
        kids = children(p)
        if len(kids) > _FAN_IN:
            wide[p] = True
            for c in kids:
                push_to.setdefault(c, []).append(p)
        else:
            for c in kids:
                parents[c] += 1
    cuts = [0, m // _SPLIT_SHARE, m] if m > _SPLIT_MIN else [0, m]
    csize = [0] * m
    ccount = [0] * m
    cunk = [False] * m
    for lo, hi in pairwise(cuts):
        got = _closure_pass(
            lo, hi, children, weight, members, unknown, wide, parents[:], push_to, m == n
        )
        for s in range(lo, m):
            csize[s] += got.size[s - lo]
            ccount[s] += got.count[s - lo]
            if got.unknown[s - lo]:
                cunk[s] = True
        del got
    size_of = [0] * n
    unknown_of = [False] * n
    count_of = [0] * n
    for v in range(n):
        sid = scc_of[v]
        size_of[v] = csize[sid]
        unknown_of[v] = cunk[sid]
        count_of[v] = ccount[sid]
    return _Closures(size_of, unknown_of, count_of)


def _closure_pass(
    lo: int,
    hi: int,
    children: Callable[[int], Sequence[int]],
    weight: Sequence[int],
    members: Sequence[int],
    unknown: Sequence[bool],
    wide: Sequence[bool],
    parents_left: list[int],
    push_to: Mapping[int, Sequence[int]],
    singletons: bool,
) -> _Closures:
    """The part of every closure that lies in components ``lo`` ≤ sid < ``hi`` (bit sid − lo),
    for the components from ``lo`` on (those before it have none: children come first);
    indexed by sid − lo."""
    m = len(weight)
    weights = weight[lo:hi]
    planes = _plane_masks(weights)
    counts = members[lo:hi]
    count_planes = [] if singletons else _plane_masks(counts)
    unknown_mask = 0
    for sid in range(lo, hi):
        if unknown[sid]:
            unknown_mask |= 1 << (sid - lo)

    bits: list[int] = [0] * m
    pushed: dict[int, int] = {}
    csize = [0] * m
    ccount = [0] * m
    cunk = [False] * (m - lo)
    for s in range(lo, m):
        kids = children(s)
        if s < hi:
            own = 1 << (s - lo)
            own_weight = weight[s]
        else:
            own = own_weight = 0
        if not kids:
            b = own
            size = own_weight
        elif wide[s]:
            rest = pushed.pop(s, 0)
            b = rest | own
            size = own_weight + _weigh(rest, weights, planes)
        else:
            best = kids[0]
            for c in kids:
                if ccount[c] > ccount[best]:
                    best = c
            base = bits[best]
            b = base | own
            for c in kids:
                if c != best:
                    b |= bits[c]
            rest = b ^ base ^ own
            size = own_weight + csize[best]
            if rest:
                size += _weigh(rest, weights, planes)
            for c in kids:
                parents_left[c] -= 1
                if parents_left[c] == 0:
                    bits[c] = 0  # nobody needs it any more: free the memory
        csize[s] = size
        ccount[s] = b.bit_count() if singletons else _weigh(b, counts, count_planes)
        cunk[s - lo] = bool(b & unknown_mask)
        if b:
            for p in push_to.get(s, ()):
                pushed[p] = pushed.get(p, 0) | b
        if parents_left[s]:
            bits[s] = b
    return _Closures(csize[lo:], cunk, ccount[lo:])


def _added(ig: IndexedGraph, walk: _Walk, doms: Sequence[int]) -> list[int | None]:
    """Sum of self sizes over each node's dominator subtree (None if any is unknown)."""
    n = len(ig.ids)
    acc = [s or 0 for s in ig.sizes]
    unk = [s is None for s in ig.sizes]
    for v in walk.post:  # a dominator finishes after everything it dominates
        d = doms[v]
        if d != n:
            acc[d] += acc[v]
            if unk[v]:
                unk[d] = True
    return [None if unk[v] else acc[v] for v in range(n)]


@dataclass(frozen=True, slots=True)
class IndexedSizes:
    """Sizes of every node of an IndexedGraph, by index (None when unknown)."""

    closure: list[int | None]
    added: list[int | None]
    count: list[int]


def indexed_sizes(ig: IndexedGraph) -> IndexedSizes:
    """Closure size, added size and closure count of every node of ``ig``, by index."""
    if not ig.ids:
        return IndexedSizes([], [], [])
    walk = _walk(ig)
    closures = _closures(ig, walk)
    added = _added(ig, walk, _idoms(ig, walk))
    closure: list[int | None] = [
        None if unknown else size
        for size, unknown in zip(closures.size, closures.unknown, strict=True)
    ]
    return IndexedSizes(closure, added, closures.count)


def compute_sizes(graph: DepGraph) -> dict[NodeId, NodeSizes]:
    """Self, closure and added size (and closure count) of every node, keyed by id (sorted)."""
    ig = graph.indexed()
    got = indexed_sizes(ig)
    return {
        node: NodeSizes(
            self_size=ig.sizes[i],
            closure_size=got.closure[i],
            added_size=got.added[i],
            closure_count=got.count[i],
        )
        for i, node in enumerate(ig.ids)
    }


def total_size(graph: DepGraph) -> int | None:
    """Sum of self sizes over every node (None if any is unknown)."""
    total = 0
    for size in graph.indexed().sizes:
        if size is None:
            return None
        total += size
    return total


@dataclass(frozen=True, slots=True)
class DominatorTree:
    """Who keeps whom alive: ``idom[v]`` is v's immediate dominator under the virtual root
    (None when only the virtual root dominates v, i.e. v is reached from several roots or is a
    root)."""

    idom: Mapping[NodeId, NodeId | None]
    children: Mapping[NodeId, tuple[NodeId, ...]]

    def dominated(self, node: NodeId) -> frozenset[NodeId]:
        """``node`` and everything it dominates: what goes if ``node`` alone is removed."""
        out = {node}
        stack = [node]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                out.add(child)
                stack.append(child)
        return frozenset(out)


def dominator_tree(graph: DepGraph) -> DominatorTree:
    """The dominator tree under a virtual root above all roots (nix-tree's added-size tree)."""
    ig = graph.indexed()
    n = len(ig.ids)
    doms = _idoms(ig, _walk(ig)) if n else []
    idom: dict[NodeId, NodeId | None] = {}
    kids: dict[NodeId, list[NodeId]] = {}
    for v, node in enumerate(ig.ids):
        d = doms[v]
        if d == n:
            idom[node] = None
        else:
            idom[node] = ig.ids[d]
            kids.setdefault(ig.ids[d], []).append(node)
    return DominatorTree(idom, {k: tuple(sorted(v)) for k, v in sorted(kids.items())})


def added_size_within(graph: DepGraph, parent: NodeId, node: NodeId) -> int | None:
    """nix-tree-rs's added size: ``parent``'s closure size minus what stays reachable from
    ``parent`` when ``node`` is skipped (0 when ``node`` is not in ``parent``'s closure; the
    whole closure when they are the same node). None if an involved size is unknown."""
    ig = graph.indexed()
    p = ig.index[parent]
    skip = ig.index[node]
    full = _reach(ig.succ, p, -1)
    if skip not in full:
        return 0
    kept = set() if p == skip else _reach(ig.succ, p, skip)
    total = 0
    for v in full - kept:
        size = ig.sizes[v]
        if size is None:
            return None
        total += size
    return total


def _reach(succ: Sequence[Sequence[int]], start: int, skip: int) -> set[int]:
    seen = {start}
    stack = [start]
    while stack:
        for w in succ[stack.pop()]:
            if w != skip and w not in seen:
                seen.add(w)
                stack.append(w)
    return seen


def heaviest(
    sizes: Mapping[NodeId, NodeSizes], key: SizeKey = "closure", n: int = 10
) -> list[NodeId]:
    """The ``n`` heaviest nodes by ``key``, biggest first, ties by id; unknown sizes last."""

    def value(node: NodeId) -> int | None:
        s = sizes[node]
        if key == "closure":
            return s.closure_size
        if key == "added":
            return s.added_size
        return s.self_size

    def order(node: NodeId) -> tuple[int, int, str]:
        v = value(node)
        return (1, 0, node) if v is None else (0, -v, node)

    return sorted(sizes, key=order)[: max(n, 0)]
