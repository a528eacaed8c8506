"""why_depends and find_targets: literal graphs and brute force on random ones."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from closurescope.analysis.why import (
    Chain,
    find_targets,
    shortest_chain,
    shortest_chains,
    why_depends,
)
from closurescope.model import DepGraph, NodeId

from .graphs import Spec, make_graph, store_id

DIAMOND = {
    "app": (1, ["b", "a"]),
    "a": (1, ["lib", "c"]),
    "b": (1, ["lib"]),
    "c": (1, ["lib"]),
    "lib": (1, []),
    "other": (1, ["c"]),
}


def ids(*names: str) -> tuple[NodeId, ...]:
    return tuple(NodeId(n) for n in names)


def test_chains_shortest_first_then_lexicographic() -> None:
    result = why_depends(make_graph(DIAMOND), NodeId("lib"))
    assert result.sources == ids("app", "other")
    assert result.chains == (
        ids("app", "a", "lib"),
        ids("app", "b", "lib"),
        ids("other", "c", "lib"),
        ids("app", "a", "c", "lib"),
    )
    assert result.shortest == {"app": ids("app", "a", "lib"), "other": ids("other", "c", "lib")}
    assert result.total == 4
    assert not result.truncated
    assert result.reachable


def test_cap_keeps_the_count() -> None:
    result = why_depends(make_graph(DIAMOND), NodeId("lib"), limit=2)
    assert result.chains == (ids("app", "a", "lib"), ids("app", "b", "lib"))
    assert result.truncated
    assert result.total == 4


def test_explicit_sources_and_unreachable() -> None:
    g = make_graph(DIAMOND)
    only_b = why_depends(g, NodeId("c"), sources=[NodeId("b")])
    assert not only_b.reachable
    assert only_b.chains == ()
    assert only_b.total == 0
    self_chain = why_depends(g, NodeId("a"), sources=[NodeId("a")])
    assert self_chain.chains == (ids("a"),)


def test_count_without_enumerating_a_huge_number_of_chains() -> None:
    # a ladder: 40 rungs with two ways each = 2**40 chains; counted, 5 listed
    spec: dict[str, tuple[int | None, list[str]]] = {}
    for i in range(40):
        spec[f"s{i:02d}"] = (1, [f"l{i:02d}", f"r{i:02d}"])
        nxt = f"s{i + 1:02d}" if i < 39 else "end"
        spec[f"l{i:02d}"] = (1, [nxt])
        spec[f"r{i:02d}"] = (1, [nxt])
    spec["end"] = (1, [])
    result = why_depends(make_graph(spec), NodeId("end"), limit=5)
    assert result.total == 2**40
    assert len(result.chains) == 5
    assert result.truncated
    assert result.chains[0][:3] == ids("s00", "l00", "s01")
    assert all(len(c) == 81 for c in result.chains)


def test_cycles_give_no_count_but_still_chains() -> None:
    spec = {"r": (1, ["a"]), "a": (1, ["b", "t"]), "b": (1, ["a", "t"]), "t": (1, [])}
    result = why_depends(make_graph(spec, allow_cycles=True), NodeId("t"))
    assert result.total is None
    assert result.chains == (ids("r", "a", "t"), ids("r", "a", "b", "t"))


def test_find_targets_rules_in_order() -> None:
    spec = {
        "hello-2.12": (1, ["glibc-2.39-52", "glibc-2.39-52-bin"]),
        "glibc-2.39-52": (1, []),
        "glibc-2.39-52-bin": (1, []),
        "glibc-locales-2.39-52": (1, []),
        "libidn2-2.3.7": (1, []),
    }
    g = make_graph(spec, store=True)
    hello = store_id("hello-2.12")
    assert find_targets(g, hello) == [hello]
    assert find_targets(g, "glibc-2.39-52") == [store_id("glibc-2.39-52")]
    assert find_targets(g, "glibc") == sorted(
        [store_id("glibc-2.39-52"), store_id("glibc-2.39-52-bin")]
    )
    assert find_targets(g, "glibc-loc*") == [store_id("glibc-locales-2.39-52")]
    assert find_targets(g, "IDN") == [store_id("libidn2-2.3.7")]
    assert find_targets(g, "nothing-like-it") == []


def brute_force(graph: DepGraph, sources: list[NodeId], target: NodeId) -> list[Chain]:
    out: list[Chain] = []

    def walk(chain: Chain) -> None:
        if chain[-1] == target:
            out.append(chain)
            return
        for child in graph.references(chain[-1]):
            if child not in chain:
                walk((*chain, child))

    for s in sources:
        walk((s,))
    return sorted(out, key=lambda c: (len(c), c))


@st.composite
def small_dags(draw: st.DrawFn) -> Spec:
    n = draw(st.integers(2, 9))
    names = draw(st.permutations([f"v{i}" for i in range(n)]))
    return {
        name: (
            1,
            draw(st.lists(st.sampled_from(names[i + 1 :]), unique=True)) if names[i + 1 :] else [],
        )
        for i, name in enumerate(names)
    }


@settings(max_examples=250, deadline=None)
@given(small_dags(), st.data())
def test_matches_brute_force(spec: Spec, data: st.DataObject) -> None:
    graph = make_graph(spec)
    target = data.draw(st.sampled_from(sorted(graph)))
    limit = data.draw(st.integers(0, 12))
    explicit = data.draw(st.booleans())
    sources = (
        sorted(data.draw(st.lists(st.sampled_from(sorted(graph)), min_size=1, unique=True)))
        if explicit
        else list(graph.roots)
    )
    expected = brute_force(graph, sources, target)
    result = why_depends(graph, target, sources=sources if explicit else None, limit=limit)
    assert result.total == len(expected)
    assert list(result.chains) == expected[:limit]
    assert result.truncated == (len(expected) > limit)
    for source in sources:
        mine = [c for c in expected if c[0] == source]
        if mine:
            best = min(mine, key=lambda c: (len(c), c))
            assert result.shortest[source] == best
        else:
            assert source not in result.shortest
    if not explicit:  # every node is below some root: the best chain over all roots
        assert shortest_chain(graph, target) == expected[0]


def test_shortest_chains_fall_back_to_unreferenced_nodes() -> None:
    spec = {"a": (1, ["b"]), "b": (1, []), "x": (1, ["y"]), "y": (1, ["b"])}
    graph = make_graph(spec, roots=["a"])
    got = shortest_chains(graph, [NodeId("b"), NodeId("y"), NodeId("a")])
    assert got == {"a": ids("a"), "b": ids("a", "b"), "y": ids("x", "y")}
    island = make_graph({"p": (1, ["q"]), "q": (1, ["p"])}, allow_cycles=True)
    assert shortest_chains(island, [NodeId("q")]) == {"q": ids("q")}


@st.composite
def small_cyclic(draw: st.DrawFn) -> Spec:
    names = [f"c{i}" for i in range(draw(st.integers(2, 7)))]
    return {
        name: (
            1,
            [
                r
                for r in draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
                if r != name
            ],
        )
        for name in names
    }


@settings(max_examples=200, deadline=None)
@given(small_cyclic(), st.data())
def test_matches_brute_force_with_cycles(spec: Spec, data: st.DataObject) -> None:
    """Distro package graphs can have cycles: chains stay simple paths, in the same order."""
    graph = make_graph(spec, allow_cycles=True)
    target = data.draw(st.sampled_from(sorted(graph)))
    sources = sorted(data.draw(st.lists(st.sampled_from(sorted(graph)), min_size=1, unique=True)))
    limit = data.draw(st.integers(0, 10))
    expected = brute_force(graph, sources, target)
    result = why_depends(graph, target, sources=sources, limit=limit)
    assert list(result.chains) == expected[:limit]
    if result.total is not None:  # no cycle among the nodes that lead to the target
        assert result.total == len(expected)
    assert result.truncated == (len(expected) > limit)
