"""rootfs directories (lstat walk, hardlinks, size-grouped digests) and rootfs tars."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path
from typing import BinaryIO

import pytest
import xxhash

from closurescope.loaders import LoadOptions, detect, load
from closurescope.loaders.base import InputSource
from closurescope.loaders.rootfs import PARTIAL, RootfsLoader
from closurescope.model import ComponentKind, FileKind

ROOT = Path(__file__).resolve().parents[3]
DIVE = ROOT.parent / "shared" / "corpus" / "dive"
BIG = 256 * 300


@pytest.fixture
def rootfs(tmp_path: Path) -> Path:
    top = tmp_path / "root"
    (top / "usr" / "lib").mkdir(parents=True)
    (top / "etc").mkdir()
    big = bytes(range(256)) * 300  # 76,800 bytes: above WHOLE, hashed 4 KiB first
    (top / "usr" / "lib" / "a.so").write_bytes(big)
    (top / "usr" / "lib" / "b.so").write_bytes(big)  # duplicate of a
    (top / "usr" / "lib" / "c.so").write_bytes(b"C" + big[1:])  # same size, differs early
    (top / "usr" / "lib" / "d.so").write_bytes(big[:-1] + b"D")  # same first 4 KiB, differs late
    (top / "etc" / "x").write_bytes(b"one")
    (top / "etc" / "y").write_bytes(b"two")  # same size as x, different
    (top / "etc" / "z1").write_bytes(b"same\n")
    (top / "etc" / "z2").write_bytes(b"same\n")
    (top / "etc" / "unique-size").write_bytes(b"only one of this size\n")
    os.link(top / "usr" / "lib" / "a.so", top / "usr" / "lib" / "hard.so")
    (top / "etc" / "escape").symlink_to("../../../../etc/shadow")
    (top / "etc" / "loop").symlink_to("loop")
    (top / "top-file").write_bytes(b"12345")
    return top


def test_walk_kinds_hardlinks_and_symlinks(rootfs: Path) -> None:
    source = InputSource.from_arg(str(rootfs))
    assert detect(source).name == "rootfs"
    closure = load(str(rootfs))
    assert closure.layers == ()
    files = closure.files
    assert files is not None
    assert files.entries["usr/lib/a.so"].kind is FileKind.FILE
    hard = files.entries["usr/lib/hard.so"]
    assert hard.kind is FileKind.HARDLINK
    assert hard.link_target == "usr/lib/a.so"
    assert hard.size == 0
    esc = files.entries["etc/escape"]
    assert esc.kind is FileKind.SYMLINK
    assert esc.link_target == "../../../../etc/shadow"
    assert files.resolve("etc/loop").status.value == "loop"
    # bytes counted once: 4 x 76,800 (a, b, c, d) + small files; the hardlink adds nothing
    assert files.total_size("usr") == 4 * BIG


def test_digests_only_where_a_duplicate_is_possible(rootfs: Path) -> None:
    files = load(str(rootfs)).files
    assert files is not None
    digest = {p: e.digest for p, e in files.entries.items() if e.kind is FileKind.FILE}
    big = bytes(range(256)) * 300
    assert digest["usr/lib/a.so"] == digest["usr/lib/b.so"] == xxhash.xxh3_128(big).hexdigest()
    assert digest["usr/lib/d.so"] == xxhash.xxh3_128(big[:-1] + b"D").hexdigest()
    assert digest["usr/lib/c.so"] is None  # its first 4 KiB differ from every same-size file
    # small files sharing their size are hashed whole (one read), twins or not
    assert digest["etc/x"] == xxhash.xxh3_128(b"one").hexdigest()
    assert digest["etc/y"] == xxhash.xxh3_128(b"two").hexdigest()
    assert digest["etc/z1"] == digest["etc/z2"] == xxhash.xxh3_128(b"same\n").hexdigest()
    assert digest["etc/unique-size"] is None
    assert PARTIAL == 4096


def test_top_level_directory_graph(rootfs: Path) -> None:
    graph = load(str(rootfs)).graph
    assert sorted(graph) == ["dir:etc", "dir:usr", "unowned"]
    usr = graph.component("dir:usr")
    assert usr.kind is ComponentKind.DIRECTORY
    assert usr.self_size == 4 * BIG
    assert usr.file_count == 4
    assert graph.component("unowned").self_size == 5


def test_each_file_read_at_most_once(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from closurescope.loaders import _walk as walk_module
    from closurescope.loaders import rootfs as module

    opened: dict[str, int] = {}
    read_bytes: dict[str, int] = {}
    real_open = module._open

    class Counting(io.RawIOBase):
        def __init__(self, fh: BinaryIO, name: str) -> None:
            self.fh, self.name = fh, name

        def read(self, n: int | None = -1) -> bytes:
            data = self.fh.read(-1 if n is None else n)
            read_bytes[self.name] = read_bytes.get(self.name, 0) + len(data)
            return data

        def seek(self, pos: int, whence: int = 0) -> int:
            return self.fh.seek(pos, whence)

        def close(self) -> None:
            self.fh.close()

    def counting_open(path: str) -> BinaryIO:
        opened[path] = opened.get(path, 0) + 1
        return Counting(real_open(path), path)  # type: ignore[return-value]

    fd_path: dict[int, str] = {}
    real_fd_open, real_read = walk_module._open, os.read

    def counting_fd_open(path: str) -> int:
        opened[path] = opened.get(path, 0) + 1
        fd = real_fd_open(path)
        fd_path[fd] = path
        return fd

    def counting_read(fd: int, n: int) -> bytes:
        data = real_read(fd, n)
        if fd in fd_path:
            read_bytes[fd_path[fd]] = read_bytes.get(fd_path[fd], 0) + len(data)
        return data

    monkeypatch.setattr(module, "_open", counting_open)
    monkeypatch.setattr(walk_module, "_open", counting_fd_open)
    monkeypatch.setattr(os, "read", counting_read)
    RootfsLoader().load(InputSource.from_arg(str(rootfs)), LoadOptions())
    # GIVEN every read went through the counter THEN no byte was read twice
    assert read_bytes
    for path, n in read_bytes.items():
        assert n <= os.path.getsize(path), path
    assert str(rootfs / "etc" / "unique-size") not in opened
    # the libraries are scanned for /etc markers and hashed in the same single pass
    for name in ("a.so", "b.so", "c.so", "d.so"):
        path = str(rootfs / "usr" / "lib" / name)
        assert opened[path] == 1, name
        assert read_bytes[path] == BIG, name
    # files no scanner reads are hashed by the duplicate pass: a small one in one read
    assert opened[str(rootfs / "etc" / "z1")] == 1
    assert read_bytes[str(rootfs / "etc" / "z1")] == 5


def test_rootfs_tar_is_not_an_image() -> None:
    path = DIVE / "test-uncompressed-image.tar"
    if not path.is_file():
        pytest.skip("dive corpus absent")
    closure = load(str(path))
    assert closure.source.format == "rootfs-tar"
    assert closure.layers == ()
    assert closure.files is not None
    assert closure.files.entries["README.md"].size == 11189
    assert closure.files.entries["README.md"].digest is not None


def test_gzip_rootfs_tar(tmp_path: Path) -> None:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        for name, data in (("bin/tool", b"x" * 100), ("etc/.wh.gone", b"")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path = tmp_path / "rootfs.tar.gz"
    path.write_bytes(gzip.compress(raw.getvalue()))
    assert detect(InputSource.from_arg(str(path))).name == "rootfs-tar"
    closure = load(str(path))
    assert closure.files is not None
    assert closure.files.entries["bin/tool"].size == 100
    assert "etc/gone" not in closure.files
    assert any("whiteout marker" in d for d in closure.diagnostics)
    assert sorted(closure.graph) == ["dir:bin"]  # etc/ held only the ignored marker


def test_unreadable_file_is_a_diagnostic(rootfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root can read anything, so make one read fail the way EACCES would
    from closurescope.loaders import rootfs as module

    real = module._open

    def failing(path: str) -> BinaryIO:
        if path.endswith("b.so"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(module, "_open", failing)
    closure = load(str(rootfs))
    assert any("cannot read usr/lib/b.so: Permission denied" in d for d in closure.diagnostics)
    assert closure.files is not None
    assert closure.files.entries["usr/lib/b.so"].digest is None
    assert closure.files.entries["usr/lib/a.so"].digest is not None  # a and d still compared
