"""Property tests: compute_sizes against the naive definitions on random graphs."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closurescope.analysis import sizes as sizes_module
from closurescope.analysis.sizes import (
    added_size_within,
    compute_sizes,
    dominator_tree,
    total_size,
)
from closurescope.model import DepGraph, NodeId

from .graphs import Spec, make_graph


def reach(graph: DepGraph, starts: Iterable[NodeId], skip: NodeId | None = None) -> set[NodeId]:
    seen: set[NodeId] = set()
    stack = [s for s in starts if s != skip]
    seen.update(stack)
    while stack:
        for m in graph.references(stack.pop()):
            if m != skip and m not in seen:
                seen.add(m)
                stack.append(m)
    return seen


def weigh(graph: DepGraph, nodes: Iterable[NodeId]) -> int | None:
    total = 0
    for node in nodes:
        size = graph.component(node).self_size
        if size is None:
            return None
        total += size
    return total


def starts(graph: DepGraph) -> list[NodeId]:
    """The roots plus every node nobody references (nix-tree's virtual root's children)."""
    return sorted(set(graph.roots) | {v for v in graph if not graph.referrers(v)})


@st.composite
def dags(draw: st.DrawFn) -> tuple[Spec, list[str] | None]:
    n = draw(st.integers(min_value=1, max_value=14))
    names = draw(st.permutations([f"n{i}" for i in range(n)]))
    sizes = draw(
        st.lists(
            st.one_of(st.integers(0, 10**9), st.none()) | st.integers(0, 1000),
            min_size=n,
            max_size=n,
        )
    )
    spec: dict[str, tuple[int | None, list[str]]] = {}
    for i, name in enumerate(names):
        # edges only go from lower to higher positions: a DAG whatever the names sort like
        later = names[i + 1 :]
        refs = draw(st.lists(st.sampled_from(later), unique=True)) if later else []
        spec[name] = (sizes[i], refs)
    explicit = draw(st.booleans())
    roots = draw(st.lists(st.sampled_from(names), min_size=1, unique=True)) if explicit else None
    return spec, roots


@settings(max_examples=300, deadline=None)
@given(dags())
def test_sizes_match_naive_definitions(case: tuple[Spec, list[str] | None]) -> None:
    spec, roots = case
    graph = make_graph(spec, roots)
    sizes = compute_sizes(graph)
    assert list(sizes) == sorted(graph)
    union = reach(graph, starts(graph))
    assert union == set(graph)
    for node in graph:
        closure = reach(graph, [node])
        got = sizes[node]
        assert got.self_size == graph.component(node).self_size
        assert got.closure_count == len(closure)
        assert got.closure_size == weigh(graph, closure)
        gone = union - reach(graph, starts(graph), skip=node)
        assert got.added_size == weigh(graph, gone), node
    assert total_size(graph) == weigh(graph, graph)


@settings(max_examples=150, deadline=None)
@given(dags(), st.data())
def test_added_within_parent_matches_naive(
    case: tuple[Spec, list[str] | None], data: st.DataObject
) -> None:
    spec, roots = case
    graph = make_graph(spec, roots)
    parent = data.draw(st.sampled_from(sorted(graph)))
    node = data.draw(st.sampled_from(sorted(graph)))
    full = reach(graph, [parent])
    kept = reach(graph, [parent], skip=node)
    assert added_size_within(graph, parent, node) == weigh(graph, full - kept)


@st.composite
def cyclic_graphs(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(min_value=1, max_value=9))
    names = [f"c{i}" for i in range(n)]
    spec: dict[str, tuple[int | None, list[str]]] = {}
    for name in names:
        refs = draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
        spec[name] = (draw(st.integers(0, 1000)), [r for r in refs if r != name])
    return spec


@settings(max_examples=200, deadline=None)
@given(cyclic_graphs())
def test_closure_sizes_with_cycles(spec: Mapping[str, tuple[int | None, list[str]]]) -> None:
    graph = make_graph(spec, allow_cycles=True)
    sizes = compute_sizes(graph)
    for node in graph:
        closure = reach(graph, [node])
        assert sizes[node].closure_size == weigh(graph, closure)
        assert sizes[node].closure_count == len(closure)
    # added sizes partition the graph along the dominator tree: the top-level ones sum to the
    # total, and each node's is its own size plus its dominator-tree children's
    tree = dominator_tree(graph)
    tops = [v for v in graph if tree.idom[v] is None]
    assert sum(sizes[v].added_size or 0 for v in tops) == total_size(graph)
    for node in graph:
        kids = tree.children.get(node, ())
        expected = (graph.component(node).self_size or 0) + sum(
            sizes[k].added_size or 0 for k in kids
        )
        assert sizes[node].added_size == expected
        # removing a dominator really cuts its dominated nodes off from every top-level node
        cut = reach(graph, [t for t in tops if t != node], skip=node)
        assert not (tree.dominated(node) & cut)


def random_spec(seed: int, n: int) -> Spec:
    """A power-law-ish DAG: hubs with many children, shared popular leaves, unknown sizes."""
    rng = random.Random(seed)
    names = [f"p{i:04d}" for i in range(n)]
    rng.shuffle(names)  # ids do not sort in topological order
    spec: dict[str, tuple[int | None, list[str]]] = {}
    popular: list[int] = []
    for i in range(n - 1, -1, -1):  # i references only j > i
        later = list(range(i + 1, n))
        want = rng.choice([0, 1, 2, 3, 5, 8, 13]) if i % 37 else min(len(later), 80)
        picks = {rng.choice(popular) if popular and rng.random() < 0.6 else rng.choice(later)
                 for _ in range(want) if later}  # fmt: skip
        size = None if rng.random() < 0.02 else rng.randrange(1, 10**7)
        spec[names[i]] = (size, [names[j] for j in sorted(picks) if j > i])
        popular.extend([i] * 3)
    return spec


@pytest.mark.parametrize(("sparse", "fan_in"), [(0, 0), (2, 3), (96, 48), (10**9, 10**9)])
@pytest.mark.parametrize("split", [None, 2, 5, 300])
@pytest.mark.parametrize("seed", range(6))
def test_every_code_path_of_the_bitsets_agrees(
    monkeypatch: pytest.MonkeyPatch, seed: int, sparse: int, fan_in: int, split: int | None
) -> None:
    """Bigger graphs than hypothesis draws, with the sparse/dense and pull/push thresholds
    moved so that every branch of _closures runs; results must not depend on them. ``split``
    forces the two-pass bitsets of big graphs (first pass over 1/split of the bits; 300: an
    empty first range)."""
    monkeypatch.setattr(sizes_module, "_SPARSE", sparse)
    monkeypatch.setattr(sizes_module, "_FAN_IN", fan_in)
    if split is not None:
        monkeypatch.setattr(sizes_module, "_SPLIT_MIN", 0)
        monkeypatch.setattr(sizes_module, "_SPLIT_SHARE", split)
    spec = random_spec(seed, 260)
    graph = make_graph(spec)
    sizes = compute_sizes(graph)
    union = set(graph)
    tops = starts(graph)
    for node in graph:
        closure = reach(graph, [node])
        assert sizes[node].closure_size == weigh(graph, closure), node
        assert sizes[node].closure_count == len(closure)
    for node in sorted(graph)[::7]:
        gone = union - reach(graph, tops, skip=node)
        assert sizes[node].added_size == weigh(graph, gone), node


@settings(max_examples=150, deadline=None)
@given(cyclic_graphs(), st.integers(min_value=1, max_value=12))
def test_two_pass_bitsets_with_cycles(spec: Spec, share: int) -> None:
    """The two-pass split of big graphs, forced on small cyclic ones: the same closures."""
    graph = make_graph(spec, allow_cycles=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sizes_module, "_SPLIT_MIN", 0)
        mp.setattr(sizes_module, "_SPLIT_SHARE", share)
        sizes = compute_sizes(graph)
    for node in graph:
        closure = reach(graph, [node])
        assert sizes[node].closure_size == weigh(graph, closure)
        assert sizes[node].closure_count == len(closure)
