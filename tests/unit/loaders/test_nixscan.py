"""The streaming store-hash scanner: same windows as a plain regex oracle, whatever the chunks."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from closurescope.loaders._nixscan import (
    MAX_CANDIDATES_PER_FILE,
    ImageScanner,
    candidate_hashes,
    scan_bytes,
    wants_capture,
)
from closurescope.model import FileEntry, FileKind

H1 = "0c5pvz5xq1hpcx3rsmwxbqqjpc2kdcxi"
H2 = "9xjrkm4bdiz0ayfasyj1bkd5s7a8n3i1"
TEXT = (
    f"#!/nix/store/{H1}-bash-5.2/bin/bash\n"
    f'exec /nix/store/{H2}-hello-2.12/bin/hello "$@"\n'
    "aeiou not-a-hash 0123456789abcdfghijklmnpqrsvwxy\n"  # 31 nix32 characters: no window
).encode()

# an independent oracle: every overlapping 32-window of nix32 characters, by regex lookahead
_ORACLE = re.compile(rb"(?=([0123456789abcdfghijklmnpqrsvwxyz]{32}))")


def oracle(data: bytes) -> set[str]:
    return {m.group(1).decode() for m in _ORACLE.finditer(data)}


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def test_finds_store_hashes_and_nothing_shorter() -> None:
    assert candidate_hashes(TEXT) == {H1, H2}
    assert candidate_hashes(TEXT) == oracle(TEXT)


def test_long_runs_give_every_window() -> None:
    run = ("abcd" * 10).encode()  # 40 nix32 characters: 9 windows (some repeat)
    assert candidate_hashes(b"-" + run + b"-") == oracle(run)
    assert len(oracle(b"0123456789abcdfghijklmnpqrsvwxyz0")) == 2


@pytest.mark.parametrize("size", [*range(1, 40), 64, 4096])
def test_every_chunk_size_finds_the_same(size: int) -> None:
    assert scan_bytes(chunked(TEXT, size)) == {H1, H2}


def test_every_split_point() -> None:
    data = b"-" * 5 + H1.encode() + H2.encode() + b"/" + H1.encode()
    expected = oracle(data)
    assert len(expected) == 33  # two adjacent hashes make one 64-character run
    for cut in range(len(data) + 1):
        assert scan_bytes([data[:cut], data[cut:]]) == expected, cut


def test_real_binaries_match_the_oracle() -> None:
    """Real files of this machine, chunked at an odd size, against the regex oracle."""
    files = [p for p in sorted(Path("/usr/bin").iterdir()) if p.is_file()][:25]
    if not files:
        pytest.skip("no /usr/bin files")
    for path in files:
        data = path.read_bytes()[: 1 << 20]
        expect = oracle(data)
        if len(expect) > MAX_CANDIDATES_PER_FILE:
            continue
        assert scan_bytes(chunked(data, 997)) == expect, path


def test_too_many_candidates_stop_with_a_note() -> None:
    scanner = ImageScanner()
    sink = scanner.begin(0, "blob", FileEntry(path="blob", kind=FileKind.FILE))
    rng = random.Random(1)
    blob = bytes(rng.choice(b"0123456789abcdfghijklmnpqrsvwxyz") for _ in range(10_000))
    sink.update(blob)
    sink.end()
    result = scanner.result()
    assert len(result.hashes["blob"][0]) > MAX_CANDIDATES_PER_FILE
    assert any("more than" in d for d in result.diagnostics)


def test_versions_per_layer_and_captures() -> None:
    scanner = ImageScanner(capture_limit=100)
    for layer, body in ((0, TEXT), (1, b"no hashes here")):
        entry = FileEntry(path="etc/profile", kind=FileKind.FILE, layer=layer)
        sink = scanner.begin(layer, "etc/profile", entry)
        sink.update(body)
        sink.end()
    status = b"Package: a\nStatus: install ok installed\n"
    entry = FileEntry(path="var/lib/dpkg/status", kind=FileKind.FILE, layer=1)
    sink = scanner.begin(1, "var/lib/dpkg/status", entry)
    sink.update(status[:10])
    sink.update(status[10:])
    sink.end()
    big = FileEntry(path="lib/apk/db/installed", kind=FileKind.FILE, layer=1)
    sink = scanner.begin(1, big.path, big)
    sink.update(b"P:x\n" * 30)
    sink.end()
    result = scanner.result()
    assert result.hashes_of(FileEntry(path="etc/profile", kind=FileKind.FILE, layer=0)) == {
        H1,
        H2,
    }
    assert result.hashes_of(FileEntry(path="etc/profile", kind=FileKind.FILE, layer=1)) == set()
    assert result.content_of(entry) == status
    assert result.content_of(big) is None  # over the capture limit
    assert any("lib/apk/db/installed" in d for d in result.diagnostics)
    assert result.files_scanned == 4
    assert result.bytes_scanned == 2 * 0 + len(TEXT) + 14 + len(status) + 120


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("var/lib/dpkg/status", True),
        ("var/lib/dpkg/status-old", False),
        ("var/lib/dpkg/info/libc6:amd64.list", True),
        ("var/lib/dpkg/info/libc6.md5sums", False),
        ("var/lib/dpkg/status.d/base-files", True),
        ("lib/apk/db/installed", True),
        ("usr/lib/apk/db/installed", True),
        ("etc/apk/world", False),
    ],
)
def test_capture_selection(path: str, wanted: bool) -> None:
    assert wants_capture(path) is wanted
