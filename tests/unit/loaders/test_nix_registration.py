"""The nix-registration loader: ``nix-store --dump-db``, closureInfo ``registration`` and the
plain exportReferencesGraph file, all made by real Nix 2.8 (``nix_data/make.sh``)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load
from closurescope.loaders._nix import nix32_decode, normalize_hash
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_registration import LOADER, parse_registration
from closurescope.model import NodeId

DATA = Path(__file__).parent / "nix_data"


def path_info() -> dict[str, dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((DATA / "path-info-S.json").read_text())
    return {i["path"]: i for i in items}


def load_text(text: str, display: str = "registration") -> Any:
    source = InputSource(display, None, io.BytesIO(text.encode()))
    return LOADER.load(source, LoadOptions())


def test_dump_db_matches_path_info() -> None:
    closure = load(str(DATA / "dump-db"))
    assert closure.source.format == "nix-registration"
    info = path_info()
    graph = closure.graph
    assert sorted(graph) == sorted(info)
    for path, item in info.items():
        comp = graph.component(NodeId(path))
        assert comp.self_size == item["narSize"]
        # dump-db writes bare base16; path-info writes SRI: both are the same narHash
        assert comp.nar_hash == item["narHash"]
        assert comp.deriver == item.get("deriver")
        assert list(graph.references(NodeId(path))) == sorted(set(item["references"]) - {path})
    assert graph.roots == ((DATA / "root").read_text().strip(),)


def test_export_references_graph_has_no_sizes() -> None:
    closure = load(str(DATA / "export-references-graph"))
    info = path_info()
    assert "no hashes, no sizes" in closure.source.description
    assert sorted(closure.graph) == sorted(info)
    for path, item in info.items():
        comp = closure.graph.component(NodeId(path))
        assert comp.self_size is None
        assert comp.nar_hash is None
        refs = sorted(set(item["references"]) - {path})
        assert list(closure.graph.references(NodeId(path))) == refs


def test_nix32_decoding_against_nix_content_addresses() -> None:
    """Nix wrote ``ca = text:sha256:<nix32>`` for builtins.toFile paths: the sha256 of the
    file's contents. Decoding it must give exactly hashlib's digest of those contents."""
    contents = {"liba-1.0": b"library a"}
    checked = 0
    for item in json.loads((DATA / "path-info-S.json").read_text()):
        name = item["path"].split("-", 1)[1]
        if name in contents:
            nix32 = item["ca"].rsplit(":", 1)[1]
            assert nix32_decode(nix32, 32) == hashlib.sha256(contents[name]).digest()
            checked += 1
    assert checked == 1


def test_hash_encodings_all_normalise_to_sri() -> None:
    raw = hashlib.sha256(b"library a").digest()
    sri = "sha256-" + base64.b64encode(raw).decode()
    ca = next(i["ca"] for i in path_info().values() if i["path"].endswith("-liba-1.0")).rsplit(
        ":", 1
    )[1]
    for text in (sri, "sha256:" + ca, "sha256:" + raw.hex(), raw.hex(), ca, "sha256:" + sri[7:]):
        assert normalize_hash(text) == sri
    bad = {
        "sha256:xyz": "not a sha256 hash",
        "md9:00": "unknown hash algorithm",
        "sha256-AAAA": "wrong length",
        "e" * 52: "not a nix32 character",
        "": "not a sha256 hash",
    }
    for text, words in bad.items():
        with pytest.raises(ValueError, match=words):
            normalize_hash(text)


def closure_info_registration(info: dict[str, dict[str, Any]], to_nix32: Any) -> str:
    """What closure-info.nix's jq writes: path, sha256:<nix32>, narSize, "", N, refs; no
    trailing newline."""
    lines: list[str] = []
    for path in sorted(info):
        item = info[path]
        lines += [path, to_nix32(item["narHash"]), str(item["narSize"]), ""]
        lines += [str(len(item["references"])), *item["references"]]
    return "\n".join(lines)


@pytest.mark.needs_nix
@pytest.mark.skipif(shutil.which("nix") is None, reason="nix is not installed")
def test_closure_info_registration_with_nix32_hashes() -> None:
    def to_nix32(sri: str) -> str:
        out = subprocess.run(
            ["nix", "--extra-experimental-features", "nix-command", "hash", "to-base32", sri],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return "sha256:" + out

    info = path_info()
    text = closure_info_registration(info, to_nix32)
    assert not text.endswith("\n")
    closure = load_text(text)
    for path, item in info.items():
        comp = closure.graph.component(NodeId(path))
        assert comp.nar_hash == item["narHash"]
        assert comp.self_size == item["narSize"]
        assert comp.deriver is None


def test_parse_detects_the_variant() -> None:
    assert parse_registration((DATA / "dump-db").read_text(), "x").with_hash
    assert not parse_registration((DATA / "export-references-graph").read_text(), "x").with_hash


LIBA = "/nix/store/7wjvd22jf2jsa677lkwkxykz037pw4ia-liba-1.0"
LIBB = "/nix/store/q0jdxkmm2yksbs29s4i1hxskr05sisz9-libb-2.3"
HEX = "b041d277161aa2ac74a4222360e737acbef2bfd51836742154a99ffb82e5aeb1"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (f"{LIBA}\n{HEX}\n128\n\n2\n{LIBB}\n", "line 7: the file ends inside the record of"),
        (f"{LIBA}\n{HEX}\n128\n\nmany\n", "line 5: the number of references is not a number"),
        (f"{LIBA}\n{HEX}\nbig\n\n0\n", "line 3: narSize is not a number"),
        (f"{LIBA}\n{HEX}\n128\n\n1\nlibb\n", "line 6: reference 1 of 1 is not a store path"),
        (f"{LIBA}\nnothash\n128\n\n0\n", "line 2: narHash of"),
        (f"{LIBA}\n\n1\n{LIBB}\nextra\n", "line 5: the record's first line is not a store path"),
        (f"{LIBA}\n\n0\n{LIBA}\n\n0\n", "line 4: /nix/store/"),
        (f"{LIBA}\n{HEX}\n128\n", "line 4: the file ends inside the record"),
        (f"{LIBA}\n\n1\n{LIBB}\n", f"{LIBA} references {LIBB}, which is not in the input"),
    ],
)
def test_counts_that_do_not_add_up(text: str, words: str) -> None:
    with pytest.raises(LoadError) as info:
        load_text(text)
    message = str(info.value)
    assert message.startswith("registration: ")
    assert words in message
    assert "\n" not in message


def test_sniff() -> None:
    def sniff(data: bytes) -> bool:
        return LOADER.sniff(InputSource("x", None, io.BytesIO(data)))

    assert sniff((DATA / "dump-db").read_bytes())
    assert sniff((DATA / "export-references-graph").read_bytes())
    assert not sniff(b"nix/store/7wjvd22jf2jsa677lkwkxykz037pw4ia-liba-1.0\n")
    assert not sniff(b"/usr/bin/env\n")
    assert not sniff(b"\xff\xfe")
