"""Property tests: random DAGs written the way Nix writes each format read back the same."""

from __future__ import annotations

import base64
import hashlib
import io
import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from closurescope.loaders._nix import normalize_hash
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_dot import LOADER as DOT
from closurescope.loaders.nix_path_info import LOADER as PATH_INFO
from closurescope.loaders.nix_registration import LOADER as REGISTRATION
from closurescope.model import Closure, NodeId
from closurescope.model.component import NIX32_ALPHABET

COLOURS = ("black", "red", "green", "blue", "magenta", "burlywood")


def nix32_encode(raw: bytes) -> str:
    """Nix's base-32, written from the spec (ANCHORS.md §4.4), independent of the decoder."""
    length = (len(raw) * 8 - 1) // 5 + 1
    number = int.from_bytes(raw, "little")
    return "".join(NIX32_ALPHABET[(number >> (5 * n)) & 31] for n in range(length - 1, -1, -1))


@st.composite
def dags(draw: st.DrawFn) -> dict[str, tuple[int, list[str]]]:
    """{store path: (narSize, references)}; references only to earlier paths (a DAG)."""
    n = draw(st.integers(min_value=1, max_value=25))
    paths: list[str] = []
    out: dict[str, tuple[int, list[str]]] = {}
    for i in range(n):
        digest = hashlib.sha256(f"{i}".encode()).digest()
        hash_part = "".join(NIX32_ALPHABET[b % 32] for b in digest[:32])
        name = draw(st.sampled_from(["glibc-2.39", "bash-5.2-p26", "hello-2.12", "etc", "a.b+c"]))
        path = f"/nix/store/{hash_part}-{name}{i}"
        refs = draw(st.lists(st.sampled_from(paths), unique=True)) if paths else []
        if draw(st.booleans()):
            refs.append(path)  # Nix lists self-references
        out[path] = (draw(st.integers(min_value=0, max_value=2**40)), refs)
        paths.append(path)
    return out


def load(loader: Any, text: str) -> Closure:
    source = InputSource("x", None, io.BytesIO(text.encode()))
    assert loader.sniff(source)
    closure: Closure = loader.load(source, LoadOptions())
    return closure


def check(closure: Closure, dag: dict[str, tuple[int, list[str]]], *, sizes: bool) -> None:
    graph = closure.graph
    assert sorted(graph) == sorted(dag)
    for path, (size, refs) in dag.items():
        assert list(graph.references(NodeId(path))) == sorted(set(refs) - {path})
        assert graph.component(NodeId(path)).self_size == (size if sizes else None)
    referenced = {r for p, (_, refs) in dag.items() for r in refs if r != p}
    assert graph.roots == tuple(sorted(set(dag) - referenced))


@settings(max_examples=60, deadline=None)
@given(dags(), st.sampled_from(COLOURS))
def test_dot_round_trip(dag: dict[str, tuple[int, list[str]]], colour: str) -> None:
    lines = ["digraph G {"]
    for path, (_, refs) in dag.items():
        base = path.rsplit("/", 1)[1]
        lines.append(f'"{base}" [label = "{base[33:]}", shape = box, style = filled];')
        for ref in refs:
            if ref != path:  # Nix's DOT skips self-references
                lines.append(f'"{ref.rsplit("/", 1)[1]}" -> "{base}" [color = "{colour}"];')
    lines.append("}")
    check(load(DOT, "\n".join(lines) + "\n"), dag, sizes=False)


@settings(max_examples=60, deadline=None)
@given(dags(), st.sampled_from(["sri", "nix32", "base16"]))
def test_registration_round_trip(dag: dict[str, tuple[int, list[str]]], encoding: str) -> None:
    lines: list[str] = []
    for path, (size, refs) in dag.items():
        raw = hashlib.sha256(path.encode()).digest()
        text = {
            "sri": "sha256-" + base64.b64encode(raw).decode(),
            "nix32": "sha256:" + nix32_encode(raw),
            "base16": raw.hex(),
        }[encoding]
        lines += [path, text, str(size), "", str(len(refs)), *refs]
    closure = load(REGISTRATION, "\n".join(lines))
    check(closure, dag, sizes=True)
    for path in dag:
        raw = hashlib.sha256(path.encode()).digest()
        expected = "sha256-" + base64.b64encode(raw).decode()
        assert closure.graph.component(NodeId(path)).nar_hash == expected


@settings(max_examples=60, deadline=None)
@given(dags())
def test_path_info_round_trip(dag: dict[str, tuple[int, list[str]]]) -> None:
    items = [{"path": p, "narSize": s, "references": r} for p, (s, r) in dag.items()]
    check(load(PATH_INFO, json.dumps(items)), dag, sizes=True)


@given(st.binary(min_size=32, max_size=32))
def test_nix32_round_trip(raw: bytes) -> None:
    sri = "sha256-" + base64.b64encode(raw).decode()
    assert normalize_hash("sha256:" + nix32_encode(raw)) == sri
    assert normalize_hash(nix32_encode(raw)) == sri


def test_nix32_encoder_matches_nix() -> None:
    """The test's encoder writes what Nix 2.8 wrote for a toFile path's content address."""
    from pathlib import Path

    items = json.loads((Path(__file__).parent / "nix_data" / "path-info.json").read_text())
    ca = next(i["ca"] for i in items if i["path"].endswith("-liba-1.0"))
    assert ca == "text:sha256:" + nix32_encode(hashlib.sha256(b"library a").digest())
