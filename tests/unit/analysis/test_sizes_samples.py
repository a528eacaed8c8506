"""Sizes and why-depends on the real Nix samples, against what real Nix 2.8 printed.

``R.path-info-S.txt`` is ``nix path-info -rsS R`` (path, NAR size, closure size); the
``why-depends`` files are ``nix why-depends R DEP`` with and without ``--all``. The closures
are loaded from every JSON shape the samples hold, so no loader shortcut (a ``closureSize``
copied from the input) can make the comparison pass by itself.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.analysis.sizes import compute_sizes, total_size
from closurescope.analysis.versions import several_versions
from closurescope.analysis.why import why_depends
from closurescope.loaders import load
from closurescope.model import NodeId

NIX = Path(__file__).resolve().parents[3] / "sample-closures" / "nix"
SIZE_FILES = sorted(NIX.glob("*.path-info-S.txt"))
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def real_sizes(txt: Path) -> dict[str, tuple[int, int]]:
    out = {}
    for line in txt.read_text().splitlines():
        path, nar, closure = line.split()
        out[path] = (int(nar), int(closure))
    return out


def root_of(txt: Path) -> str:
    return txt.name.removesuffix(".path-info-S.txt")


def test_samples_are_present() -> None:
    assert len(SIZE_FILES) >= 3


@pytest.mark.parametrize("txt", SIZE_FILES, ids=lambda p: root_of(p))
@pytest.mark.parametrize(
    "shape", ["path-info", "path-info-S.nix-2.19", "path-info-S.json-format-2"]
)
def test_closure_sizes_equal_nix_path_info_S(txt: Path, shape: str) -> None:
    truth = real_sizes(txt)
    graph = load(str(NIX / f"{root_of(txt)}.{shape}.json")).graph
    sizes = compute_sizes(graph)
    assert set(sizes) == set(truth)
    for path, (nar, closure) in truth.items():
        assert sizes[NodeId(path)].self_size == nar, path
        assert sizes[NodeId(path)].closure_size == closure, path
    (root,) = graph.roots
    assert total_size(graph) == truth[root][1]
    # the root dominates everything: its added size is the whole closure
    assert sizes[root].added_size == truth[root][1]


def tree_edges(text: str) -> tuple[list[str], set[tuple[str, str]]]:
    """The first line's path and the (parent, child) edges of a ``nix why-depends`` tree."""
    lines = [ANSI.sub("", line) for line in text.splitlines() if line.strip()]
    stack = [lines[0].strip()]
    edges: set[tuple[str, str]] = set()
    order = [stack[0]]
    for line in lines[1:]:
        start = line.index("/nix/store/")
        depth = start // 4
        node = line[start:].strip()
        del stack[depth:]
        edges.add((stack[-1], node))
        stack.append(node)
        order.append(node)
    return order, edges


WHY_FILES = sorted(p for p in NIX.glob("*.why-depends.*.txt"))


@pytest.mark.parametrize("txt", WHY_FILES, ids=lambda p: p.name)
def test_shortest_chain_equals_nix_why_depends(txt: Path) -> None:
    root = txt.name.split(".why-depends.")[0]
    target_name = txt.name.split(".why-depends.")[1].removesuffix(".txt")
    graph = load(str(NIX / f"{root}.path-info.json")).graph
    (target,) = [n for n in graph if n.endswith("-" + target_name)]
    chain, _ = tree_edges(txt.read_text())
    result = why_depends(graph, target)
    assert list(result.shortest[graph.roots[0]]) == chain


@pytest.mark.parametrize("txt", sorted(NIX.glob("*.why-depends-all.*.txt")), ids=lambda p: p.name)
def test_all_chains_cover_exactly_the_edges_of_why_depends_all(txt: Path) -> None:
    root = txt.name.split(".why-depends-all.")[0]
    target_name = txt.name.split(".why-depends-all.")[1].removesuffix(".txt")
    graph = load(str(NIX / f"{root}.path-info.json")).graph
    (target,) = [n for n in graph if n.endswith("-" + target_name)]
    _, nix_edges = tree_edges(txt.read_text())
    result = why_depends(graph, target)
    assert not result.truncated
    ours = {(a, b) for chain in result.chains for a, b in itertools.pairwise(chain)}
    assert ours == nix_edges


def test_two_real_roots_together_show_the_version_bumps(tmp_path: Path) -> None:
    """app-image-root-full and -v2 loaded as one closure (two real path-info outputs merged):
    openssl 3.0.13 → 3.0.14 and hello-server 1.0 → 1.1 are found, with Nix's NAR sizes."""
    merged: dict[str, object] = {}
    truth: dict[str, tuple[int, int]] = {}
    for root in ("app-image-root-full", "app-image-root-full-v2"):
        for entry in json.loads((NIX / f"{root}.path-info.json").read_text()):
            merged[entry["path"]] = entry
        truth |= real_sizes(NIX / f"{root}.path-info-S.txt")
    file = tmp_path / "both.json"
    file.write_text(json.dumps(sorted(merged.values(), key=lambda e: e["path"])))  # type: ignore[arg-type, index]
    closure = load(str(file))
    graph = closure.graph
    assert len(graph.roots) == 2
    sizes = compute_sizes(graph)
    for path, (_, closure_size) in truth.items():
        assert sizes[NodeId(path)].closure_size == closure_size
    groups = {g.pname: g for g in several_versions(graph, sizes)}
    assert sorted(groups) == ["hello-server", "openssl"]

    def nar(name: str) -> int:
        return next(v[0] for p, v in truth.items() if p.endswith("-" + name))

    hello = groups["hello-server"]
    assert [v.version for v in hello.versions] == ["1.0", "1.1"]  # 1.0 is the bigger one
    assert hello.wasted == nar("hello-server-1.1")
    openssl = groups["openssl"]
    assert {v.version for v in openssl.versions} == {"3.0.13", "3.0.14"}
    assert openssl.wasted == nar("openssl-3.0.13") == nar("openssl-3.0.14")
    chains = {c[-1].rsplit("-", 1)[-1]: c for v in openssl.versions for c in v.chains.values()}
    assert chains["3.0.13"][0].endswith("-app-image-root-full")
    assert chains["3.0.14"][0].endswith("-app-image-root-full-v2")
    cs103 = [f for f in analyze(closure).findings if f.rule_id == "CS103"]
    assert [f.saving for f in cs103] == [openssl.wasted, hello.wasted]
