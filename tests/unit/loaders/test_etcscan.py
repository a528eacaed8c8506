"""The etc-marker scanner: same markers as the plain regex, whatever the chunks; real images."""

from __future__ import annotations

import random
import tarfile
from pathlib import Path

import pytest

from closurescope.loaders import load
from closurescope.loaders._etcscan import (
    MARKERS,
    EtcScanner,
    account_markers,
    find_markers,
    scan_chunks,
    wants_scan,
)
from closurescope.model import FileEntry, FileKind, FileTreeBuilder
from tests.conftest import SAMPLES

APP_FULL = SAMPLES / "nix" / "images" / "app-full.docker.tar"


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)] or [b""]


def test_every_marker_split_at_every_position() -> None:
    # GIVEN each marker with noise around it
    for marker in MARKERS:
        data = b"\x00noise " + marker.encode() + b" tail\x7f"
        # WHEN the content arrives cut at every possible place, in two chunks
        for cut in range(len(data) + 1):
            found = scan_chunks([data[:cut], data[cut:]])
            # THEN the marker is found exactly as in the whole content
            assert found == find_markers(data), (marker, cut)
            assert marker in found


def test_one_byte_chunks_and_overlapping_markers() -> None:
    data = b"/etc/ssl/certs/ca.crt getservbynamegetaddrinfo libssl.so.3 LOCALE_ARCHIVE=x"
    expected = {"/etc/ssl/certs", "getservbyname", "getaddrinfo", "libssl.so", "LOCALE_ARCHIVE"}
    assert find_markers(data) == expected
    assert scan_chunks(chunked(data, 1)) == expected


def test_random_content_random_chunks_agree_with_the_regex() -> None:
    rng = random.Random(5)
    for _ in range(40):
        parts = [rng.randbytes(rng.randrange(0, 3000))]
        for marker in rng.sample(MARKERS, rng.randrange(0, 6)):
            parts += [marker.encode(), rng.randbytes(rng.randrange(0, 50))]
        data = b"".join(parts)
        cuts = sorted(rng.sample(range(len(data) + 1), min(len(data), rng.randrange(0, 40))))
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert scan_chunks(chunks) == find_markers(data)


def test_near_misses_are_not_markers() -> None:
    data = b"/etc/servic getaddrinf SSL_CTX_ne libss.so /etc/passw zoneinf tzse"
    assert scan_chunks(chunked(data, 7)) == frozenset()


def test_only_programs_libraries_and_account_files_are_scanned() -> None:
    scanner = EtcScanner()
    data = FileEntry(path="usr/share/doc/README", kind=FileKind.FILE, mode=0o644)
    prog = FileEntry(path="usr/bin/app", kind=FileKind.FILE, mode=0o755)
    lib = FileEntry(path="usr/lib/libssl.so.3", kind=FileKind.FILE, mode=0o644)
    passwd = FileEntry(path="etc/passwd", kind=FileKind.FILE, mode=0o644)
    assert not wants_scan(data)
    assert scanner.begin(0, data.path, data) is None
    assert all(wants_scan(e) for e in (prog, lib, passwd))


def test_account_names_become_markers() -> None:
    text = b"root:x:0:0::/root:/bin/sh\n# comment:x\nnobody:x:65534:65534::/:/sbin/nologin\n\n"
    assert account_markers("passwd", text) == {b"passwd:root", b"passwd:nobody"}
    scanner = EtcScanner()
    entry = FileEntry(path="etc/group", kind=FileKind.FILE)
    sink = scanner.begin(0, entry.path, entry)
    assert sink is not None
    for chunk in chunked(b"root:x:0:\nwheel:x:10:alice\n", 5):
        sink.update(chunk)
    sink.end()
    assert scanner.markers_for(None) == {"etc/group": {"group:root", "group:wheel"}}


def test_the_tree_s_version_of_an_overwritten_file_counts() -> None:
    # GIVEN a program with markers in layer 0, replaced in layer 1 by one without
    scanner = EtcScanner()
    for layer, content in ((0, b"getpwnam /etc/passwd"), (1, b"plain")):
        entry = FileEntry(path="bin/app", kind=FileKind.FILE, mode=0o755, layer=layer)
        sink = scanner.begin(layer, entry.path, entry)
        assert sink is not None
        sink.update(content)
        sink.end()
    builder = FileTreeBuilder()
    builder.add(FileEntry(path="bin/app", kind=FileKind.FILE, mode=0o755, layer=1))
    # THEN the merged tree's file has no markers; the layer-0 version had them
    assert scanner.markers_for(builder.build()) == {}
    assert scanner.versions()["bin/app"][0] == {"getpwnam", "/etc/passwd"}


def test_image_markers_equal_the_regex_on_the_real_bytes() -> None:
    # GIVEN the real Nix image; WHEN loaded (the observer streams every layer once)
    closure = load(str(APP_FULL))
    # THEN every scanned file's markers equal the regex on its bytes, read here independently
    expected: dict[str, frozenset[str]] = {}
    with tarfile.open(APP_FULL) as outer:
        member = next(m for m in outer.getmembers() if m.name.endswith("layer.tar"))
        layer = outer.extractfile(member)
        assert layer is not None
        with tarfile.open(fileobj=layer) as inner:
            for info in inner:
                if not info.isfile():
                    continue
                entry = FileEntry(path=info.name, kind=FileKind.FILE, mode=info.mode)
                if not wants_scan(entry):
                    continue
                fh = inner.extractfile(info)
                assert fh is not None
                content = fh.read()
                found = set(find_markers(content))
                name = info.name.rsplit("/", 1)[-1]
                if name in ("passwd", "group"):
                    found |= {m.decode() for m in account_markers(name, content)}
                if found:
                    expected[info.name] = frozenset(found)
    assert dict(closure.file_markers) == expected
    app = next(p for p in expected if p.endswith("/bin/hello-server"))
    assert closure.file_markers[app] == {
        "/etc/services",
        "/etc/ssl/certs",
        "SSL_CERT_FILE",
        "SSL_CTX_new",
        "getaddrinfo",
        "getservbyname",
    }


def test_rootfs_directory_markers_and_no_link_following(tmp_path: Path) -> None:
    # GIVEN a rootfs with a program, a data file and a link to a host file with markers
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "bin" / "app").write_bytes(b"\x7fELF getaddrinfo /etc/services")
    (root / "bin" / "app").chmod(0o755)
    (root / "notes.txt").write_bytes(b"getpwnam")
    outside = tmp_path / "outside"
    outside.write_bytes(b"tzset")
    outside.chmod(0o755)
    (root / "bin" / "link").symlink_to(outside)
    # WHEN loaded as a rootfs directory
    closure = load(str(root))
    # THEN only the program's bytes were read
    assert dict(closure.file_markers) == {"bin/app": {"getaddrinfo", "/etc/services"}}


@pytest.mark.parametrize("marker", MARKERS)
def test_markers_are_found_alone(marker: str) -> None:
    inner = {"SSL_CERT_FILE"} if marker == "NIX_SSL_CERT_FILE" else set()
    assert find_markers(marker.encode()) == {marker} | inner
    assert scan_chunks([marker.encode()]) == {marker} | inner
