"""Build a FileTree from a real directory for tests: lstat walk, never following links.

Mirrors the rootfs loader's contract: regular files get an ``xxh3_128`` digest only when
their size is shared by at least two files (a file of unique size cannot have a twin); the
second and later names of one inode become HARDLINK entries pointing at the first name
(in sorted walk order). Used until/unless ``closurescope.loaders.load(dir)`` is preferred.
"""

from __future__ import annotations

import os
import stat
from collections import Counter
from pathlib import Path

import xxhash

from closurescope.model import FileEntry, FileKind, FileTree, FileTreeBuilder


def _hash(path: str) -> str:
    h = xxhash.xxh3_128()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def tree_from_dir(root: Path | str) -> FileTree:
    """The FileTree of ``root`` (paths relative to it)."""
    base = os.fspath(root)
    stats: list[tuple[str, os.stat_result]] = []
    stack = [""]
    while stack:
        rel = stack.pop()
        host = os.path.join(base, rel) if rel else base
        with os.scandir(host) as it:
            names = sorted(e.name for e in it)
        for name in names:
            child = f"{rel}/{name}" if rel else name
            st = os.lstat(os.path.join(base, child))
            stats.append((child, st))
            if stat.S_ISDIR(st.st_mode):
                stack.append(child)
    stats.sort(key=lambda item: tuple(item[0].split("/")))
    first_inode: dict[tuple[int, int], str] = {}
    sizes: Counter[int] = Counter()
    for path, st in stats:
        if stat.S_ISREG(st.st_mode) and (st.st_dev, st.st_ino) not in first_inode:
            first_inode[(st.st_dev, st.st_ino)] = path
            sizes[st.st_size] += 1
    builder = FileTreeBuilder()
    for path, st in stats:
        mode = stat.S_IMODE(st.st_mode)
        common = {"path": path, "mode": mode, "uid": st.st_uid, "gid": st.st_gid}
        if stat.S_ISDIR(st.st_mode):
            builder.add(FileEntry(kind=FileKind.DIR, **common))
        elif stat.S_ISLNK(st.st_mode):
            target = os.readlink(os.path.join(base, path))
            builder.add(FileEntry(kind=FileKind.SYMLINK, link_target=target, **common))
        elif stat.S_ISREG(st.st_mode):
            first = first_inode[(st.st_dev, st.st_ino)]
            if first != path:
                builder.add(FileEntry(kind=FileKind.HARDLINK, link_target=first, **common))
                continue
            digest = _hash(os.path.join(base, path)) if sizes[st.st_size] > 1 else None
            builder.add(FileEntry(kind=FileKind.FILE, size=st.st_size, digest=digest, **common))
        elif stat.S_ISFIFO(st.st_mode):
            builder.add(FileEntry(kind=FileKind.FIFO, **common))
        elif stat.S_ISCHR(st.st_mode):
            builder.add(FileEntry(kind=FileKind.CHAR, **common))
        elif stat.S_ISBLK(st.st_mode):
            builder.add(FileEntry(kind=FileKind.BLOCK, **common))
        elif stat.S_ISSOCK(st.st_mode):
            builder.add(FileEntry(kind=FileKind.SOCKET, **common))
    return builder.build()
