"""Sizes on literal graphs, checked by hand against the definitions."""

from __future__ import annotations

import random

import pytest

from closurescope.analysis.sizes import (
    added_size_within,
    compute_sizes,
    dominator_tree,
    heaviest,
    total_size,
)
from closurescope.model import NodeId

from .graphs import make_graph

# The worked example of docs/explanation/sizes.md:
#   app ─▶ python ─▶ openssl ─▶ glibc
#    │        └────▶ glibc
#    └─▶ tool ─▶ openssl
#   cli ─▶ python
EXAMPLE = {
    "app": (10, ["python", "tool"]),
    "cli": (5, ["python"]),
    "python": (100, ["openssl", "glibc"]),
    "tool": (20, ["openssl"]),
    "openssl": (30, ["glibc"]),
    "glibc": (40, []),
}


def n(x: str) -> NodeId:
    return NodeId(x)


def test_worked_example() -> None:
    sizes = compute_sizes(make_graph(EXAMPLE))
    closure = {k: v.closure_size for k, v in sizes.items()}
    assert closure == {
        "app": 200,
        "cli": 175,
        "python": 170,
        "tool": 90,
        "openssl": 70,
        "glibc": 40,
    }
    added = {k: v.added_size for k, v in sizes.items()}
    # python is shared by both roots: removing it alone frees only itself (openssl stays via tool).
    assert added == {
        "app": 30,
        "cli": 5,
        "python": 100,
        "tool": 20,
        "openssl": 30,
        "glibc": 40,
    }
    counts = {k: v.closure_count for k, v in sizes.items()}
    assert counts == {"app": 5, "cli": 4, "python": 3, "tool": 3, "openssl": 2, "glibc": 1}
    assert total_size(make_graph(EXAMPLE)) == 205


def test_added_within_parent_is_nix_tree_rs_meaning() -> None:
    g = make_graph(EXAMPLE)
    # inside cli, python carries everything but cli itself
    assert added_size_within(g, n("cli"), n("python")) == 170
    # inside app, python alone: openssl and glibc stay (via tool)
    assert added_size_within(g, n("app"), n("python")) == 100
    assert added_size_within(g, n("app"), n("openssl")) == 30
    assert added_size_within(g, n("tool"), n("openssl")) == 70
    assert added_size_within(g, n("tool"), n("python")) == 0
    assert added_size_within(g, n("app"), n("app")) == 200


def test_explicit_roots_and_unreachable_extra_roots() -> None:
    spec = {
        "a": (1, ["shared"]),
        "b": (2, ["shared"]),
        "shared": (4, ["leaf"]),
        "leaf": (8, []),
        "orphan": (16, ["leaf2"]),
        "leaf2": (32, []),
    }
    sizes = compute_sizes(make_graph(spec, roots=["a"]))
    # b and orphan have no referrers: extra roots, so shared is reached twice
    assert sizes[n("shared")].added_size == 12
    assert sizes[n("a")].added_size == 1
    assert sizes[n("orphan")].added_size == 48
    sizes2 = compute_sizes(make_graph(spec, roots=["a", "shared"]))
    assert sizes2[n("a")].added_size == 1


def test_unknown_sizes_propagate_as_none() -> None:
    spec = {
        "top": (1, ["mid", "other"]),
        "mid": (None, ["leaf"]),
        "leaf": (5, []),
        "other": (7, []),
    }
    g = make_graph(spec)
    sizes = compute_sizes(g)
    assert sizes[n("top")].closure_size is None
    assert sizes[n("mid")].closure_size is None
    assert sizes[n("leaf")].closure_size == 5
    assert sizes[n("other")].closure_size == 7
    assert sizes[n("top")].added_size is None
    assert sizes[n("mid")].added_size is None
    assert sizes[n("leaf")].added_size == 5
    assert sizes[n("top")].closure_count == 4
    assert total_size(g) is None
    assert added_size_within(g, n("top"), n("other")) == 7
    assert added_size_within(g, n("top"), n("mid")) is None


def test_cycles_are_folded() -> None:
    spec = {
        "root": (1, ["a"]),
        "a": (10, ["b"]),
        "b": (100, ["a", "c"]),
        "c": (1000, []),
    }
    sizes = compute_sizes(make_graph(spec, allow_cycles=True))
    assert sizes[n("a")].closure_size == 1110
    assert sizes[n("b")].closure_size == 1110
    assert sizes[n("a")].closure_count == 3
    assert sizes[n("root")].closure_size == 1111
    assert sizes[n("a")].added_size == 1110  # a dominates b and c
    assert sizes[n("b")].added_size == 1100
    # a cycle nobody enters is still counted (one of its nodes becomes an extra root)
    island = {"x": (3, ["y"]), "y": (4, ["x"])}
    isl = compute_sizes(make_graph(island, allow_cycles=True))
    assert isl[n("x")].closure_size == isl[n("y")].closure_size == 7
    assert sorted(v.added_size or 0 for v in isl.values()) == [4, 7]


def test_dominator_tree() -> None:
    tree = dominator_tree(make_graph(EXAMPLE))
    assert tree.idom[n("app")] is None
    assert tree.idom[n("python")] is None
    assert tree.idom[n("tool")] == "app"
    assert tree.idom[n("openssl")] is None
    assert tree.dominated(n("app")) == {"app", "tool"}


def test_heaviest() -> None:
    spec = {"a": (5, ["c"]), "b": (5, ["c"]), "c": (9, []), "d": (None, [])}
    sizes = compute_sizes(make_graph(spec))
    assert heaviest(sizes, "closure", 10) == ["a", "b", "c", "d"]
    assert heaviest(sizes, "self", 2) == ["c", "a"]
    assert heaviest(sizes, "added", 3) == ["c", "a", "b"]
    assert heaviest(sizes, "closure", 0) == []


def test_empty_graph() -> None:
    g = make_graph({})
    assert compute_sizes(g) == {}
    assert total_size(g) == 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_deterministic_under_insertion_order(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"p{i:03d}" for i in range(60)]
    spec: dict[str, tuple[int | None, list[str]]] = {}
    for i, name in enumerate(names):
        refs = [names[j] for j in range(i + 1, len(names)) if rng.random() < 0.08]
        spec[name] = (rng.randrange(1, 10**6), refs)
    baseline = compute_sizes(make_graph(spec))
    for _ in range(5):
        order = names[:]
        rng.shuffle(order)
        again = compute_sizes(make_graph(spec, order=order))
        assert again == baseline
        assert list(again) == list(baseline) == sorted(baseline)
