"""The TUI's data layer without an App: sorting, fuzzy search, chains, file indexes, /etc."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from closurescope.analysis.sizes import compute_sizes
from closurescope.model import Component, ComponentKind, DepGraphBuilder, NodeId
from closurescope.tui.view import (
    FilesIndex,
    RootChains,
    SortOrder,
    etc_view,
    fuzzy_filter,
    fuzzy_score,
    fuzzy_search,
    sort_nodes,
)
from closurescope.tui.widgets.size_bar import bar_text
from tests.tui.tui_data import small_graph_closure, sp


def is_subsequence(query: str, text: str) -> bool:
    """The plainly correct check fuzzy_score must agree with."""
    it = iter(text.lower())
    return all(ch in it for ch in query.lower())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcXYZ-.1", max_size=6), st.text(alphabet="abcxyz-.1", max_size=20))
def test_fuzzy_matches_exactly_the_subsequences(query: str, text: str) -> None:
    """fuzzy_score is not None exactly when the query is a subsequence (naive check)."""
    assert (fuzzy_score(query, text) is not None) == is_subsequence(query, text)


def test_fuzzy_ranking_prefers_prefixes_and_runs() -> None:
    """A prefix beats an inner substring, which beats a scattered subsequence."""
    candidates = [("a", "gnu-lib-c"), ("b", "xglibc"), ("c", "glibc-2.39"), ("d", "zlib")]
    assert fuzzy_search("glibc", candidates) == ["c", "b", "a"]
    assert fuzzy_search("", candidates) == ["c", "a", "b", "d"]  # everything, by text


def test_fuzzy_filter_matches_and_best_keys() -> None:
    """One pass: every match in input order, and the best keys as a full sort gives them."""
    names = [f"lib{c}{i}-{j}" for i, c in enumerate("abcdefgh") for j in range(30)]
    candidates = [(f"k{n}", name) for n, name in enumerate(names)] + [("z", "zzz")]
    for query, limit in [("lb", 7), ("ib3", 500), ("xyz", 5), ("", 3)]:
        matches, best = fuzzy_filter(query, candidates, limit)
        assert matches == [c for c in candidates if is_subsequence(query, c[1])]
        ranked = sorted((-(fuzzy_score(query, t) or 0), t, k) for k, t in matches)
        assert best == [k for _, _, k in ranked[:limit]]
        assert best == fuzzy_search(query, candidates, limit)


def test_sort_orders() -> None:
    """Size orders are biggest first with unknown sizes last; name order is by name."""
    b = DepGraphBuilder()
    for name, size in [("a-1", 5), ("b-1", None), ("c-1", 7)]:
        b.add(Component(id=NodeId(name), kind=ComponentKind.PACKAGE, name=name, self_size=size))
    graph = b.build()
    sizes = compute_sizes(graph)
    nodes = [NodeId("a-1"), NodeId("b-1"), NodeId("c-1")]
    assert sort_nodes(nodes, graph, sizes, SortOrder.SELF) == ("c-1", "a-1", "b-1")
    assert sort_nodes(nodes, graph, sizes, SortOrder.NAME) == ("a-1", "b-1", "c-1")
    assert [o.value for o in SortOrder] == ["closure", "added", "self", "name"]
    assert SortOrder.NAME.next() is SortOrder.CLOSURE


def test_root_chains_are_shortest_chains() -> None:
    """Each chain starts at a root, follows references and is as short as any."""
    closure = small_graph_closure()
    graph = closure.graph
    chains = RootChains(graph)
    assert chains.chain(sp("gcc-lib")) == (sp("hello"), sp("glibc"), sp("gcc-lib"))
    assert chains.chain(sp("tzdata")) == (sp("tzdata"),)
    for node in graph:
        chain = chains.chain(node)
        assert chain[0] in graph.roots
        assert chain[-1] == node
        for a, b in itertools.pairwise(chain):
            assert b in graph.references(a)
        shortest = min(
            (p for r in graph.roots if (p := graph.shortest_path(r, node)) is not None), key=len
        )
        assert len(chain) == len(shortest)


@settings(deadline=None)
@given(st.lists(st.tuples(st.integers(0, 14), st.integers(0, 14)), max_size=40))
def test_root_chains_on_random_graphs(edges: list[tuple[int, int]]) -> None:
    """Shortest over every root, on random graphs with cycles and unreachable nodes."""
    b = DepGraphBuilder()
    for i in range(15):
        b.add(Component(id=NodeId(f"n{i}"), kind=ComponentKind.PACKAGE, name=f"n{i}", self_size=1))
    for x, y in edges:
        if x != y:
            b.add_reference(NodeId(f"n{x}"), NodeId(f"n{y}"))
    graph = b.build(allow_cycles=True)
    chains = RootChains(graph)
    for node in graph:
        chain = chains.chain(node)
        assert chain[-1] == node
        found = [p for r in graph.roots if (p := graph.shortest_path(r, node)) is not None]
        if not found:
            assert chain == (node,)
            continue
        assert chain[0] in graph.roots
        for a, c in itertools.pairwise(chain):
            assert c in graph.references(a)
        assert len(chain) == min(len(p) for p in found)


def test_files_index_totals_markers_and_layers() -> None:
    """Directory totals, the four markers, largest files and per-layer changes."""
    closure = small_graph_closure()
    index = FilesIndex(closure, subjects=["/app/data/blob.bin"])
    assert index.size("") == 3_000_000 * 2 + 1_000_000 + 600 + 120
    assert index.size("app") == 6_000_000
    assert index.markers("loop") == "L"
    assert index.own_markers("loop/a") == "L"
    assert index.own_markers("etc/passwd") == "W"
    assert index.own_markers("app/data/blob.bin") == "D!"
    assert index.markers("app") == "D!"
    assert index.own_markers("usr/share/zoneinfo/posix") == ""  # "." resolves: not a loop
    assert index.largest()[:3] == ("app/data/blob-copy.bin", "app/data/blob.bin", "bin/busybox")
    changes = index.layer_changes(1)
    assert [(c.change, c.path, c.size) for c in changes] == [
        ("A", "app/data/blob-copy.bin", 3_000_000),
        ("A", "app/data/blob.bin", 3_000_000),
        ("M", "etc/passwd", 600),
        ("D", "etc/big.db", 0),
    ]
    assert index.layer_paths(1) == tuple(c.path for c in changes)
    assert index.layer_change(1, "etc/passwd") == changes[2]
    assert index.layer_change(1, "etc/big.db").change == "D"


def test_etc_view_shapes() -> None:
    """Mappings, bare strings and a missing metric."""
    assert etc_view({}) is None
    view = etc_view(
        {
            "etc": {
                "keep": ["etc/hosts", {"path": "etc/passwd", "reason": "users", "size": 10}],
                "drop": [{"path": "etc/a", "size": 1}, {"path": "etc/b", "size": 9}, 3],
                "saving": 10,
            }
        }
    )
    assert view is not None
    assert [i.path for i in view.keep] == ["etc/hosts", "etc/passwd"]
    assert view.keep[1].reason == "users"
    assert [i.path for i in view.drop] == ["etc/b", "etc/a"]
    assert view.saving == 10


def test_bar_text() -> None:
    """Bars fill in eighths, never vanish for a non-zero fraction, and pad to the width."""
    assert bar_text(1.0, 4) == "████"
    assert bar_text(0.5, 4) == "██  "
    assert bar_text(0.001, 4) == "▏   "
    assert bar_text(0.0, 3) == "   "
    assert bar_text(None, 3) == "   "
    assert bar_text(0.3, 0) == ""


def test_layer_commands_are_shortened_like_dive() -> None:
    """The shell wrapper and #(nop) are dropped from a layer's created_by."""
    from closurescope.tui.screens.files import _short_command

    assert _short_command("/bin/sh -c #(nop) ADD file:abc in / ") == "ADD file:abc in /"
    assert _short_command("/bin/sh -c apt-get  install -y x") == "apt-get install -y x"
    assert _short_command("COPY app /app") == "COPY app /app"


def test_sort_ranks_agree_with_sort_nodes() -> None:
    """Sorting any subset by rank gives exactly sort_nodes' order, for every order."""
    import random

    from closurescope.tui.view import sort_ranks

    closure = small_graph_closure()
    graph = closure.graph
    sizes = compute_sizes(graph)
    nodes = list(graph)
    rng = random.Random(3)
    for order in SortOrder:
        rank = sort_ranks(graph, sizes, order)
        for _ in range(20):
            subset = rng.sample(nodes, rng.randint(0, len(nodes)))
            by_rank = tuple(sorted(subset, key=rank.__getitem__))
            assert by_rank == sort_nodes(subset, graph, sizes, order)
