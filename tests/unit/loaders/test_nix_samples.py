"""Every Nix sample in ``sample-closures/nix`` loads to the closure Nix itself reported.

Truth per root R: ``R.path-info-S.txt`` (``nix path-info -rsS``: path, narSize, closureSize)
and the references of the real ``R.path-info-S.json``. Each format of the same closure must
give exactly those paths, those narSizes (None where the format has no sizes) and those
references; the Nix database must give the same closure for each root.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import detect, load
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure, NodeId

SAMPLES = Path(__file__).resolve().parents[3] / "sample-closures" / "nix"
HAVE_SAMPLES = (SAMPLES / "roots.txt").is_file()
pytestmark = pytest.mark.skipif(not HAVE_SAMPLES, reason="sample-closures/nix is not there")

ROOTS: dict[str, str] = {}
if HAVE_SAMPLES:
    for line in (SAMPLES / "roots.txt").read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].startswith("/nix/store/"):
            ROOTS[parts[0]] = parts[1]

# suffix → (format detected, has sizes, has closureSize)
VARIANTS = {
    ".path-info.json": ("nix-path-info", True, False),
    ".path-info-S.json": ("nix-path-info", True, True),
    ".path-info-S.nix-2.19.json": ("nix-path-info", True, True),
    ".path-info-S.nix-2.23.json": ("nix-path-info", True, True),
    ".path-info-S.json-format-1.json": ("nix-path-info", True, True),
    ".path-info-S.json-format-2.json": ("nix-path-info", True, True),
    ".closure-attrs.json": ("nix-path-info", True, True),
    ".dump-db.txt": ("nix-registration", True, False),
    ".registration": ("nix-registration", True, False),
    ".references-graph": ("nix-registration", False, False),
    ".graph.dot": ("nix-dot", False, False),
}


def truth(root: str) -> tuple[dict[str, tuple[int, int]], dict[str, list[str]]]:
    sizes: dict[str, tuple[int, int]] = {}
    for line in (SAMPLES / f"{root}.path-info-S.txt").read_text().splitlines():
        if line.strip():
            path, nar, closure = line.split()
            sizes[path] = (int(nar), int(closure))
    items = json.loads((SAMPLES / f"{root}.path-info-S.json").read_text())
    refs = {i["path"]: sorted(set(i["references"]) - {i["path"]}) for i in items}
    return sizes, refs


def check(closure: Closure, root: str, *, has_sizes: bool, has_closure: bool) -> None:
    sizes, refs = truth(root)
    graph = closure.graph
    assert len(graph) == len(sizes)
    assert sorted(graph) == sorted(sizes)
    assert graph.roots == (ROOTS[root],)
    for path, (nar, closure_size) in sizes.items():
        comp = graph.component(NodeId(path))
        assert comp.self_size == (nar if has_sizes else None), path
        assert comp.reported_closure_size == (closure_size if has_closure else None), path
        assert list(graph.references(NodeId(path))) == refs[path], path
    if has_sizes:  # closure size from our graph = Nix's closureSize, for every path
        for path, (_, closure_size) in sizes.items():
            reach = graph.closure(NodeId(path))
            assert sum(graph.component(n).self_size or 0 for n in reach) == closure_size


CASES = [(root, suffix) for root in sorted(ROOTS) for suffix in VARIANTS]


@pytest.mark.parametrize(("root", "suffix"), CASES)
def test_every_format_of_every_root(root: str, suffix: str) -> None:
    path = SAMPLES / f"{root}{suffix}"
    if not path.is_file():
        pytest.skip(f"{path.name} is not in the samples")
    fmt, has_sizes, has_closure = VARIANTS[suffix]
    assert detect(InputSource.from_arg(str(path))).name == fmt
    closure = load(str(path))
    assert closure.source.format == fmt
    check(closure, root, has_sizes=has_sizes, has_closure=has_closure)


@pytest.mark.parametrize("root", sorted(ROOTS))
def test_registration_total_matches_total_nar_size(root: str) -> None:
    total = SAMPLES / f"{root}.total-nar-size"
    if not total.is_file():
        pytest.skip("no total-nar-size")
    closure = load(str(SAMPLES / f"{root}.registration"))
    sizes = [closure.graph.component(n).self_size for n in closure.graph]
    assert sum(s for s in sizes if s is not None) == int(total.read_text().strip())


@pytest.mark.parametrize("root", sorted(ROOTS))
def test_database_closure_of_each_root(root: str) -> None:
    db = SAMPLES / "nix-db.sqlite"
    if not db.is_file():
        pytest.skip("no nix-db.sqlite")
    closure = load(str(db), LoadOptions(roots=(ROOTS[root],)))
    assert closure.source.format == "nix-db"
    check(closure, root, has_sizes=True, has_closure=False)


def test_database_without_roots_holds_every_sample_root() -> None:
    db = SAMPLES / "nix-db.sqlite"
    if not db.is_file():
        pytest.skip("no nix-db.sqlite")
    closure = load(str(db))
    union: set[str] = set()
    for root in ROOTS:
        union |= set(truth(root)[0])
    assert union <= set(closure.graph)
    assert set(ROOTS.values()) <= set(closure.graph.roots)


def test_store_paths_file_is_explained() -> None:
    paths = sorted(SAMPLES.glob("*.store-paths"))
    if not paths:
        pytest.skip("no store-paths sample")
    with pytest.raises(LoadError, match="only store paths, no references"):
        load(str(paths[0]))
