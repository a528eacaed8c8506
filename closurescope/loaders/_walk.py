"""Walking a root filesystem directory, and the duplicate-candidate hashing.

``walk`` lists every entry under a directory in one sorted depth-first pass with
``os.scandir`` and one ``lstat`` per entry; it never follows a symlink (a link is data: its
target is recorded, never visited). Hardlinks are recognised by ``(st_dev, st_ino)``: the
first path met is the FILE, the others are HARDLINK entries whose ``link_target`` is that
first path, so bytes count once.

``candidate_digests`` hashes only what can have a twin, as jdupes and rmlint do: files are
grouped by size; a file whose size no other file has is never read. In a group of two or
more, a file up to ``WHOLE`` bytes is read whole in one ``read`` (its full xxh3-128 is its
group key); a bigger one first by its first ``PARTIAL`` bytes, and read on from there only
when another same-size file has the same first ``PARTIAL`` bytes (the hash state continues,
so no byte is read twice). Files get the full xxh3-128 (hex) only when they share their size
and their first bytes with another file.

``files_tree`` is the two together: the FileTree of a directory without any other scanner
(``closurescope dupes``); the ``rootfs`` loader uses the same walk and adds its scanners.
This module imports no other loader and no graph library, so it stays cheap to start.
"""

from __future__ import annotations

import os
import stat
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from pathlib import Path
from typing import Any

import xxhash

from closurescope.model import FileEntry, FileKind, FileTree
from closurescope.model.files import entries_from_rows

PARTIAL = 4096
"""Bytes hashed first to split a same-size group before reading whole files."""
WHOLE = 65536
"""Files up to this size are read whole at once (one open, one read) when hashed."""
CHUNK = 1 << 20
"""Read size for the rest of a big file."""

_KIND_BY_FMT = {
    stat.S_IFREG: FileKind.FILE,
    stat.S_IFDIR: FileKind.DIR,
    stat.S_IFLNK: FileKind.SYMLINK,
    stat.S_IFCHR: FileKind.CHAR,
    stat.S_IFBLK: FileKind.BLOCK,
    stat.S_IFIFO: FileKind.FIFO,
    stat.S_IFSOCK: FileKind.SOCKET,
}

ProgressFn = Callable[[int, "int | None"], None]
"""Called with (bytes done, bytes in all or None) now and then; ``cli._common.Progress``."""

Row = tuple[str, FileKind, int, int, int, int, "str | None"]
"""One walked entry: path, kind, size, mode (0o7777 mask), uid, gid, link target."""


@dataclass(frozen=True, slots=True)
class Walk:
    """What ``walk`` found: entries in walk order, children per directory, diagnostics."""

    rows: list[Row]
    children: dict[str, tuple[str, ...]]
    """Directory path → child paths, sorted by name (non-empty directories only)."""
    notes: list[str]


def walk(root: Path, where: str, progress: ProgressFn | None = None) -> Walk:
    """Every entry under ``root``: sorted depth-first walk, lstat only, links never followed.

    ``progress`` hears, after each directory, the bytes of the files listed so far.
    """
    rows: list[Row] = []
    children: dict[str, tuple[str, ...]] = {}
    notes: list[str] = []
    first_by_inode: dict[tuple[int, int], str] = {}
    kinds = _KIND_BY_FMT
    ifmt = stat.S_IFMT
    by_name = attrgetter("name")
    file_kind, dir_kind, link_kind = FileKind.FILE, FileKind.DIR, FileKind.SYMLINK
    stack: list[tuple[str, str]] = [(os.fspath(root), "")]
    listed_bytes = 0
    while stack:
        host, rel = stack.pop()
        try:
            with os.scandir(host) as it:
                items = sorted(it, key=by_name)
        except OSError as exc:
            notes.append(f"{where}: cannot list {rel or '/'}: {exc.strerror}")
            continue
        prefix = f"{rel}/" if rel else ""
        subdirs: list[tuple[str, str]] = []
        listed: list[str] = []
        for item in items:
            name = item.name
            if not name.isascii():
                try:
                    name.encode("utf-8")
                except UnicodeEncodeError:  # undecodable bytes come as lone surrogates
                    notes.append(f"{where}: skipped a name that is not UTF-8 under {rel or '/'}")
                    continue
            path = prefix + name
            try:
                st = item.stat(follow_symlinks=False)
            except OSError as exc:
                notes.append(f"{where}: cannot stat {path}: {exc.strerror}")
                continue
            mode = st.st_mode
            kind = kinds.get(ifmt(mode), file_kind)
            link: str | None = None
            size = 0
            if kind is file_kind:
                size = st.st_size
                if st.st_nlink > 1:
                    key = (st.st_dev, st.st_ino)
                    first = first_by_inode.get(key)
                    if first is None:
                        first_by_inode[key] = path
                    else:
                        kind, link, size = FileKind.HARDLINK, first, 0
                listed_bytes += size
            elif kind is dir_kind:
                subdirs.append((item.path, path))
            elif kind is link_kind:
                try:
                    link = os.readlink(item.path)
                except OSError as exc:
                    notes.append(f"{where}: cannot read link {path}: {exc.strerror}")
            rows.append((path, kind, size, mode & 0o7777, st.st_uid, st.st_gid, link))
            listed.append(path)
        if listed:
            children[rel] = tuple(listed)
        stack.extend(reversed(subdirs))
        if progress is not None:
            progress(listed_bytes, None)
    return Walk(rows, children, notes)


def _open(path: str) -> int:
    """Open a file of the tree; a path that became a symlink is refused, never followed."""
    return os.open(path, os.O_RDONLY | os.O_NOFOLLOW)


def _read_whole(path: str, size: int) -> bytes:
    fd = _open(path)
    try:
        data = os.read(fd, size + 1)
        if len(data) < size:  # a short read (a file being written): read on until EOF
            parts = [data]
            while chunk := os.read(fd, CHUNK):
                parts.append(chunk)
            data = b"".join(parts)
    finally:
        os.close(fd)
    return data


def _read_on(path: str, start: int, hasher: Any) -> None:
    """Hash the file from ``start`` to its end. (Read, not mapped: a mapped file that shrinks
    while it is hashed kills the process with SIGBUS.)"""
    fd = _open(path)
    try:
        os.lseek(fd, start, os.SEEK_SET)
        while chunk := os.read(fd, CHUNK):
            hasher.update(chunk)
    finally:
        os.close(fd)


def candidate_digests(
    root: Path,
    files: Iterable[tuple[str, int]],
    where: str,
    progress: ProgressFn | None = None,
    known: Mapping[str, tuple[str, str]] | None = None,
) -> tuple[dict[str, str], list[str]]:
    """Full xxh3-128 digests of the files (path, size) that can have a twin, and diagnostics.

    ``known`` maps files the caller has already read whole (the rootfs loader's scanners) to
    the xxh3-128 of their first ``PARTIAL`` bytes and of their whole content: they are not
    read again, and take part in their size group like the others. ``progress`` hears, after
    each size group, the bytes of the groups done and of all.
    """
    known = known or {}
    notes: list[str] = []
    by_size: dict[int, list[str]] = defaultdict(list)
    for path, size in files:
        by_size[size].append(path)
    total = sum(size * len(paths) for size, paths in by_size.items() if len(paths) > 1)
    done = 0
    digests: dict[str, str] = {}
    heads: dict[tuple[int, str], list[tuple[str, Any]]] = defaultdict(list)
    base = os.fspath(root)
    hexdigest = xxhash.xxh3_128_hexdigest
    for size, paths in by_size.items():
        if len(paths) < 2:
            continue
        if progress is not None:
            progress(done, total)
            done += size * len(paths)
        for path in paths:
            if path in known:
                head_hex, full_hex = known[path]
                if size <= WHOLE:
                    digests[path] = full_hex
                else:
                    heads[(size, head_hex)].append((path, full_hex))
                continue
            host = f"{base}/{path}"  # path is relative, no ".." (walked)
            try:
                if size <= WHOLE:
                    digests[path] = hexdigest(_read_whole(host, size))
                    continue
                fd = _open(host)
                try:
                    head = os.read(fd, PARTIAL)
                finally:
                    os.close(fd)
            except OSError as exc:
                notes.append(f"{where}: cannot read {path}: {exc.strerror}")
                continue
            state = xxhash.xxh3_128(head)
            heads[(size, state.hexdigest())].append((path, state))
    for members in heads.values():
        if len(members) < 2:
            continue
        for path, state in members:
            if isinstance(state, str):  # known: already hashed whole
                digests[path] = state
                continue
            try:
                _read_on(f"{base}/{path}", PARTIAL, state)
            except OSError as exc:
                notes.append(f"{where}: cannot read {path}: {exc.strerror}")
                continue
            digests[path] = state.hexdigest()
    if progress is not None:
        progress(total, total)
    return digests, notes


def entries_of(rows: list[Row], digests: dict[str, str]) -> dict[str, FileEntry]:
    """FileEntry per walked row, with the digests found (walk order)."""
    get = digests.get
    return entries_from_rows(
        (path, kind, size, mode, uid, gid, link, get(path))
        for path, kind, size, mode, uid, gid, link in rows
    )


def files_tree(
    root: Path, where: str, progress: ProgressFn | None = None
) -> tuple[FileTree, list[str]]:
    """The FileTree of a directory with duplicate-candidate digests, and the diagnostics."""
    found = walk(root, where, progress)
    file_kind = FileKind.FILE
    files = [(row[0], row[2]) for row in found.rows if row[1] is file_kind]
    digests, notes = candidate_digests(root, files, where, progress)
    return FileTree(entries_of(found.rows, digests), found.children), [*found.notes, *notes]
