"""The nix-path-info loader on real Nix 2.8 output, and on the newer shapes derived from it.

``nix_data/`` holds what ``nix_data/make.sh`` wrote with Debian's Nix 2.8 (shape A, the list
of objects). Nix 2.8 cannot print the newer shapes, so B, C1, C2 and C3 are derived here from
that real output following ANCHORS.md §4.2 (and Nix's own test data for json-format 2/3).
"""

from __future__ import annotations

import base64
import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_path_info import LOADER, parse_path_info
from closurescope.model import ComponentKind, NodeId

DATA = Path(__file__).parent / "nix_data"


def real_list(name: str = "path-info-S.json") -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads((DATA / name).read_text())
    return data


def truth(path: Path) -> dict[str, tuple[int, int]]:
    """``nix path-info -rsS`` text → {path: (narSize, closureSize)}."""
    out: dict[str, tuple[int, int]] = {}
    for line in path.read_text().splitlines():
        if line.strip():
            store_path, nar, closure = line.split()
            out[store_path] = (int(nar), int(closure))
    return out


def base(path: str) -> str:
    return path.rsplit("/", 1)[1]


def to_b(items: list[dict[str, Any]], *, nulls: bool = False) -> dict[str, Any]:
    """Shape A → B (2.19+): keyed by path, ``null`` for invalid; 2.23+ writes absent as null."""
    out: dict[str, Any] = {}
    for item in items:
        obj = {k: v for k, v in item.items() if k not in ("path", "valid")}
        if item.get("valid", True) is False:
            out[item["path"]] = None
            continue
        if nulls:
            for key in ("ca", "deriver", "registrationTime", "signatures"):
                obj.setdefault(key, None)
        out[item["path"]] = obj
    return out


def to_c1(items: list[dict[str, Any]]) -> dict[str, Any]:
    out = to_b(items, nulls=True)
    for obj in out.values():
        if obj is not None:
            obj.update(version=1, storeDir="/nix/store")
    return out


def _structured_ca(ca: str | None) -> dict[str, str] | None:
    if ca is None:
        return None
    method, _, rest = ca.partition(":")
    if method == "fixed" and rest.startswith("r:"):
        method, rest = "nar", rest[2:]
    elif method == "fixed":
        method = "flat"
    return {"method": method, "hash": rest}


def to_c2(items: list[dict[str, Any]], version: int = 2) -> dict[str, Any]:
    """Shape A → ``--json-format 2|3``: wrapper, base-name keys/references/deriver."""
    info: dict[str, Any] = {}
    for item in items:
        if item.get("valid", True) is False:
            info[base(item["path"])] = None
            continue
        obj = {k: v for k, v in item.items() if k not in ("path", "valid")}
        obj["references"] = [base(r) for r in item["references"]]
        obj["deriver"] = base(item["deriver"]) if item.get("deriver") else None
        obj["ca"] = _structured_ca(item.get("ca"))
        sigs = ["cache.example.org-1:" + base64.b64encode(b"\0" * 64).decode()]
        if version == 3:
            obj["signatures"] = [{"keyName": s.split(":")[0], "sig": s.split(":")[1]} for s in sigs]
        else:
            obj["signatures"] = sigs
        obj.update(version=version, storeDir="/nix/store")
        info[base(item["path"])] = obj
    return {"version": version, "storeDir": "/nix/store", "info": info}


def load_bytes(data: bytes, display: str = "dump.json") -> Any:
    source = InputSource(display, None, io.BytesIO(data))
    assert LOADER.sniff(source)
    return LOADER.load(source, LoadOptions())


SHAPES = {
    "A": lambda items: items,
    "B": to_b,
    "B-2.23-nulls": lambda items: to_b(items, nulls=True),
    "C1": to_c1,
    "C2": to_c2,
    "C3": lambda items: to_c2(items, 3),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_gives_the_same_closure(shape: str) -> None:
    items = real_list()
    closure = load_bytes(json.dumps(SHAPES[shape](copy.deepcopy(items))).encode())
    expected_shape = shape.split("-")[0]
    assert closure.source.description.startswith("nix path-info --json")
    assert expected_shape in {"A", "B"} or f"json-format {expected_shape[1]}" in (
        closure.source.description
    )
    graph = closure.graph
    assert sorted(graph) == sorted(i["path"] for i in items)
    for item in items:
        comp = graph.component(NodeId(item["path"]))
        assert comp.kind is ComponentKind.STORE_PATH
        assert comp.self_size == item["narSize"]
        assert comp.reported_closure_size == item["closureSize"]
        assert comp.nar_hash == item["narHash"]
        assert comp.deriver == item.get("deriver")
        assert comp.registration_time == item["registrationTime"]
        refs = sorted(set(item["references"]) - {item["path"]})
        assert list(graph.references(NodeId(item["path"]))) == refs


def test_real_output_matches_nix_text_truth() -> None:
    """narSize, references and path count per path against ``nix path-info -rsS``."""
    closure = load(str(DATA / "path-info-S.json"))
    expected = truth(DATA / "path-info-S.txt")
    graph = closure.graph
    assert len(graph) == len(expected) == 4
    for path, (nar, closure_size) in expected.items():
        comp = graph.component(NodeId(path))
        assert comp.self_size == nar
        assert comp.reported_closure_size == closure_size
        # closure size recomputed from the graph's own references equals Nix's closureSize
        reach = graph.closure(NodeId(path))
        assert sum(graph.component(n).self_size or 0 for n in reach) == closure_size


def test_names_versions_roots_and_self_reference() -> None:
    closure = load(str(DATA / "path-info.json"))
    graph = closure.graph
    root = (DATA / "root").read_text().strip()
    assert graph.roots == (root,)
    names = {graph.component(n).name: graph.component(n).version for n in graph}
    assert names == {"app-0.3-bin": "0.3", "tool-2.1": "2.1", "libb-2.3": "2.3", "liba-1.0": "1.0"}
    tool = next(n for n in graph if n.endswith("-tool-2.1"))
    raw = next(i for i in real_list("path-info.json") if i["path"] == tool)
    assert tool in raw["references"]  # Nix lists the self-reference …
    assert tool not in graph.references(tool)  # … and the graph drops it
    assert graph.edge_count() == 5
    # without -S there is no closureSize: unknown, not 0
    assert all(graph.component(n).reported_closure_size is None for n in graph)


def test_missing_or_null_nar_size_is_unknown_not_zero() -> None:
    items = real_list()
    liba = next(i for i in items if i["path"].endswith("-liba-1.0"))
    del liba["narSize"]
    closure = load_bytes(json.dumps(items).encode())
    assert closure.graph.component(NodeId(liba["path"])).self_size is None
    assert any("no narSize" in d for d in closure.diagnostics)
    b = to_b(real_list())
    b[liba["path"]]["narSize"] = None
    closure = load_bytes(json.dumps(b).encode())
    assert closure.graph.component(NodeId(liba["path"])).self_size is None


def with_invalid() -> tuple[list[dict[str, Any]], str]:
    """The recursive dump plus the real ``"valid": false`` entry Nix 2.8 printed for a path
    that is not in the store (``nix path-info --json -r`` refuses invalid paths outright)."""
    gone = next(i for i in real_list("path-info-invalid.json") if i.get("valid") is False)
    return [*real_list("path-info.json"), gone], gone["path"]


def test_invalid_paths_become_diagnostics() -> None:
    items, gone = with_invalid()
    # the same in shape A (valid: false), B (null) and C2 (null under a base name)
    for shape in (SHAPES["A"], to_b, to_c2):
        closure = load_bytes(json.dumps(shape(copy.deepcopy(items))).encode())
        assert gone not in closure.graph
        assert len(closure.graph) == 4
        assert f"not valid in the store (skipped): {gone}" in closure.diagnostics


def test_non_recursive_dump_names_the_missing_path() -> None:
    with pytest.raises(LoadError) as info:
        load(str(DATA / "path-info-single.json"))
    message = str(info.value)
    assert message.startswith(str(DATA / "path-info-single.json") + ": ")
    missing = [r for r in real_list("path-info-single.json")[0]["references"] if "tool" in r]
    assert missing[0] in message
    assert "--recursive" in message
    assert "\n" not in message


def test_reference_to_an_invalid_path() -> None:
    items = real_list("path-info-invalid.json")
    gone = next(i["path"] for i in items if i.get("valid") is False)
    app = next(i for i in items if i.get("valid", True))
    app["references"] = [gone]
    with pytest.raises(LoadError, match=re.escape(f"references {gone}, which is not valid")):
        load_bytes(json.dumps(items).encode())


def test_sniff() -> None:
    def sniff(data: bytes) -> bool:
        return LOADER.sniff(InputSource("x", None, io.BytesIO(data)))

    assert sniff((DATA / "path-info.json").read_bytes())
    assert sniff(b'  \n{"/nix/store/x": {"narSize": 1}}')
    assert not sniff(b'{"schemaVersion": 2, "layers": []}')
    assert not sniff(b"digraph G {}")
    assert not sniff(b"")


def test_parse_path_info_is_public_and_reports_shape() -> None:
    items = real_list()
    dump = parse_path_info(json.dumps(to_c2(items, 3)), "x")
    assert dump.shape == "C3"
    assert dump.store_dir == "/nix/store"
    assert len(dump.records) == 4
    assert parse_path_info(items, "x").shape == "A"
    assert parse_path_info(json.dumps(to_c1(items)).encode(), "x").shape == "C1"


def test_other_store_dir_in_json_format_2() -> None:
    c2 = to_c2(real_list())
    c2["storeDir"] = "/gnu/store"
    closure = load_bytes(json.dumps(c2).encode())
    assert all(n.startswith("/gnu/store/") for n in closure.graph)
    assert len(closure.graph) == 4
