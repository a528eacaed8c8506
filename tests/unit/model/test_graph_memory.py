"""DepGraph's memory-saving construction: one shared (read-only) attribute dict for every node
and edge, store paths as one string object each, and the derived graphs still behave."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_path_info import LOADER, parse_path_info
from closurescope.model import (
    Component,
    ComponentKind,
    DepGraph,
    DepGraphBuilder,
    GraphIntegrityError,
    NodeId,
)

H = "0123456789abcdfghijklmnpqrsvwxyz"


def store(i: int, name: str) -> str:
    return f"/nix/store/{(H * 2)[i : i + 32]}-{name}"


def build(edges: dict[str, list[str]]) -> DepGraph:
    b = DepGraphBuilder()
    for n in edges:
        b.add(Component(id=NodeId(n), kind=ComponentKind.STORE_PATH, name=n, self_size=len(n)))
    for n, refs in edges.items():
        for r in refs:
            b.add_reference(NodeId(n), NodeId(r))
    return b.build()


DIAMOND = {"app": ["lib", "ssl", "app"], "lib": ["libc"], "ssl": ["libc"], "libc": []}


def test_nodes_and_edges_share_one_read_only_attribute_dict() -> None:
    g = build(DIAMOND)
    nx_graph = g._g  # the one place networkx lives; checked here on purpose
    datas = {id(d) for _, _, d in nx_graph.edges(data=True)}
    datas |= {id(d) for _, d in nx_graph.nodes(data=True)}
    assert len(datas) == 1
    data = nx_graph.edges["app", "lib"]
    assert data == {}
    with pytest.raises(TypeError):
        nx_graph.edges["app", "lib"]["weight"] = 1
    with pytest.raises(TypeError):
        nx_graph.add_edge("lib", "ssl", weight=2)
    assert copy.copy(data) is data
    assert copy.deepcopy(data) is data


def test_derived_graphs_after_the_shared_dicts() -> None:
    g = build(DIAMOND)
    assert g.edges() == (("app", "lib"), ("app", "ssl"), ("lib", "libc"), ("ssl", "libc"))
    assert g.edge_count() == 4
    assert g.roots == ("app",)
    sub = g.restrict(["app", "lib", "libc"])
    assert sub.edges() == (("app", "lib"), ("lib", "libc"))
    rev = g.reverse()
    assert rev.references("libc") == ("lib", "ssl")
    assert rev.roots == ("libc",)
    # reverse of reverse (deep-copies edge data) and restrict of a restriction
    assert rev.reverse().edges() == g.edges()
    assert sub.restrict(["lib", "libc"]).edges() == (("lib", "libc"),)
    assert g.shortest_path("app", "libc") in (("app", "lib", "libc"), ("app", "ssl", "libc"))
    red = build({**DIAMOND, "app": ["lib", "ssl", "libc"]}).transitive_reduction()
    assert red.edges() == g.edges()
    ig = g.indexed()
    assert ig.ids == ("app", "lib", "libc", "ssl")
    assert ig.succ == ((1, 3), (2,), (), (2,))
    assert ig.pred == ((), (0,), (1, 3), (0,))


def test_dangling_reference_names_the_first_missing_target() -> None:
    b = DepGraphBuilder()
    b.add(Component(id=NodeId("a"), kind=ComponentKind.STORE_PATH, name="a", self_size=1))
    b.add_reference(NodeId("a"), NodeId("zz"))
    b.add_reference(NodeId("a"), NodeId("b"))
    with pytest.raises(GraphIntegrityError, match=r"^a references b, which is not in the set$"):
        b.build()


def test_build_twice_gives_equal_graphs() -> None:
    b = DepGraphBuilder()
    for n in "abc":
        b.add(Component(id=NodeId(n), kind=ComponentKind.STORE_PATH, name=n, self_size=1))
    b.add_reference(NodeId("a"), NodeId("b"))
    b.add_reference(NodeId("b"), NodeId("c"))
    assert b.build().edges() == b.build().edges() == (("a", "b"), ("b", "c"))


def dump(shape: str) -> bytes:
    paths = [store(i, f"p{i}-1.0") for i in range(4)]
    refs = {paths[0]: paths[1:], paths[1]: [paths[2], paths[3]], paths[2]: [paths[3]]}
    infos = {p: {"narSize": 100 + i, "references": refs.get(p, [])} for i, p in enumerate(paths)}
    if shape == "A":
        return json.dumps([{"path": p, **v} for p, v in infos.items()]).encode()
    if shape == "B":
        return json.dumps(infos).encode()
    info = {
        p.rsplit("/", 1)[1]: {**v, "references": [r.rsplit("/", 1)[1] for r in v["references"]]}
        for p, v in infos.items()
    }
    return json.dumps({"version": 2, "storeDir": "/nix/store", "info": info}).encode()


@pytest.mark.parametrize("shape", ["A", "B", "C2"])
def test_every_mention_of_a_store_path_is_one_string_object(shape: str) -> None:
    parsed = parse_path_info(dump(shape), "dump.json")
    by_path = {r.path: r.path for r in parsed.records}
    for rec in parsed.records:
        for ref in rec.references:
            assert ref is by_path[ref]


@pytest.mark.parametrize("shape", ["A", "B", "C2"])
def test_loaded_references_are_the_component_ids(shape: str, tmp_path: Path) -> None:
    file = tmp_path / "dump.json"
    file.write_bytes(dump(shape))
    closure = LOADER.load(InputSource.from_arg(str(file)), LoadOptions())
    g = closure.graph
    assert g.edge_count() == 6
    for node in g:
        for ref in g.references(node):
            assert ref is g.component(ref).id
