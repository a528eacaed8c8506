"""The streaming layer reader against Python's tarfile on real archives of every format."""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile

import pytest
import xxhash
import zstandard

from closurescope.errors import LoadError
from closurescope.loaders._tarstream import normalize_member, scan_tar, symlink_escapes
from closurescope.model import FileKind

LONG = "usr/share/" + "/".join(f"very-long-directory-name-{i:02d}" for i in range(8))


def build(fmt: int) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as tf:

        def add(name: str, data: bytes | None = None, **kw: object) -> None:
            info = tarfile.TarInfo(name)
            for key, value in kw.items():
                setattr(info, key, value)
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)

        add("./", type=tarfile.DIRTYPE, mode=0o755)
        add("etc/", type=tarfile.DIRTYPE, mode=0o755)
        add("etc/motd", b"hello\n", mode=0o644, uid=1000, gid=100)
        add(f"{LONG}/file.txt", b"x" * 1000)  # needs GNU longname / PAX path / ustar prefix
        add("bin/sh", type=tarfile.SYMTYPE, linkname="/" + LONG + "/" + "t" * 120)
        add("bin/empty", b"")
        add("bin/big", b"\x00\x01" * 70000, mode=0o755)
        add("bin/again", type=tarfile.LNKTYPE, linkname="bin/big")
        add("dev/null", type=tarfile.CHRTYPE, devmajor=1, devminor=3)
        add("etc/.wh.gone")
        add("opt/.wh..wh..opq")
    return out.getvalue()


def reference(data: bytes) -> dict[str, tuple[int, int, int, int, str]]:
    """What tarfile reads: path → (size, mode, uid, gid, linkname)."""
    out: dict[str, tuple[int, int, int, int, str]] = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tf:
        for m in tf:
            out[m.name.strip("./").strip("/")] = (m.size, m.mode, m.uid, m.gid, m.linkname)
    return out


@pytest.mark.parametrize("fmt", [tarfile.GNU_FORMAT, tarfile.PAX_FORMAT])
def test_reader_agrees_with_tarfile(fmt: int) -> None:
    data = build(fmt)
    scan = scan_tar(io.BytesIO(data), display="t", what="", layer_index=3)
    ref = reference(data)
    got = {e.path: e for e in scan.entries}
    for path in ("etc/motd", f"{LONG}/file.txt", "bin/sh", "bin/empty", "bin/big", "bin/again"):
        size, mode, uid, gid, link = ref[path]
        entry = got[path]
        assert entry.tar_size == size
        assert entry.mode == mode
        assert (entry.uid, entry.gid) == (uid, gid)
        if entry.kind in (FileKind.SYMLINK, FileKind.HARDLINK):
            assert entry.link_target == link.lstrip("/") or entry.link_target == link
        assert entry.layer == 3
    assert got["bin/big"].digest == xxhash.xxh3_128(b"\x00\x01" * 70000).hexdigest()
    assert got["bin/again"].kind is FileKind.HARDLINK
    assert got["dev/null"].kind is FileKind.CHAR
    assert got["etc/gone"].kind is FileKind.WHITEOUT
    assert got["opt"].kind is FileKind.OPAQUE
    assert "" not in got  # the root entry is counted in size only
    assert scan.content_size == sum(v[0] for v in ref.values())
    assert scan.diff_id == "sha256:" + hashlib.sha256(data).hexdigest()
    assert scan.compressed_digest == scan.diff_id
    assert scan.uncompressed_size == len(data)


def test_ustar_prefix_field() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as tf:
        info = tarfile.TarInfo(f"{LONG}/f.txt")  # > 100 chars: split into prefix + name
        info.size = 2
        tf.addfile(info, io.BytesIO(b"ok"))
    scan = scan_tar(io.BytesIO(out.getvalue()), display="t", what="", layer_index=0)
    assert [e.path for e in scan.entries] == [f"{LONG}/f.txt"]


def test_base256_uid_and_size_fields() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("f")
        info.uid = 3_000_000_000  # does not fit 7 octal digits: GNU base-256
        info.size = 3
        tf.addfile(info, io.BytesIO(b"abc"))
    scan = scan_tar(io.BytesIO(out.getvalue()), display="t", what="", layer_index=0)
    assert scan.entries[0].uid == 3_000_000_000


def test_gzip_members_zstd_frames_and_trailing_data_in_diff_id() -> None:
    data = build(tarfile.PAX_FORMAT)
    trailer = build(tarfile.GNU_FORMAT)  # like eStargz's TOC after the end marker
    plain = data + trailer
    gz = gzip.compress(plain[:5000]) + gzip.compress(plain[5000:])  # two members
    zst = zstandard.ZstdCompressor().compress(plain[:7000]) + zstandard.ZstdCompressor().compress(
        plain[7000:]
    )
    for blob, compression in ((gz, "gzip"), (zst, "zstd")):
        scan = scan_tar(io.BytesIO(blob), display="t", what="", layer_index=0)
        assert scan.compression == compression
        assert scan.diff_id == "sha256:" + hashlib.sha256(plain).hexdigest()
        assert scan.compressed_digest == "sha256:" + hashlib.sha256(blob).hexdigest()
        assert scan.compressed_size == len(blob)
        assert "etc/motd" in {e.path for e in scan.entries}


def test_corrupt_header_checksum() -> None:
    data = bytearray(build(tarfile.GNU_FORMAT))
    data[0] ^= 0x20  # the first member's name changes, its checksum does not
    with pytest.raises(LoadError, match="bad tar header checksum"):
        scan_tar(io.BytesIO(bytes(data)), display="t.tar", what="layer 0", layer_index=0)


def test_not_a_tar_at_all() -> None:
    with pytest.raises(LoadError, match=r"^t: layer 0: bad tar header checksum"):
        scan_tar(io.BytesIO(b"hello world" * 100), display="t", what="layer 0", layer_index=0)


def test_name_rules() -> None:
    assert normalize_member("./usr//bin/", "x") == "usr/bin"
    assert normalize_member("/", "x") == ""
    with pytest.raises(LoadError, match="NUL"):
        normalize_member("a\0b", "x")
    assert symlink_escapes("etc/x", "../../y")
    assert not symlink_escapes("etc/x", "../y")
    assert not symlink_escapes("etc/x", "/abs/olute")
