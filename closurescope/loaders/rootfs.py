"""Plain root filesystems: ``rootfs`` (a directory) and ``rootfs-tar`` (a tar that is not an
image). A rootfs has no layers: ``Closure.layers`` is empty and ``Closure.files`` holds it.

``rootfs`` walks the directory with ``closurescope.loaders._walk`` (``os.scandir``/``lstat``,
never following a symlink; hardlinks by ``(st_dev, st_ino)``, the first path met is the
FILE, the others HARDLINK entries pointing at it, so bytes count once).
File contents are hashed only where a duplicate is possible: files are grouped by size;
within a group of two or more, the xxh3-128 of the first 4 KiB splits the group further;
files still sharing a group are hashed in full (continuing the same hash state from byte
4096, so every byte is read at most once). Those files get ``FileEntry.digest`` (the full
xxh3-128, hex); every other file's digest is None. Unreadable files and directories are
reported in the diagnostics, never fatal.

``rootfs-tar`` streams the tar once (gzip/zstd sniffed) and hashes every regular file with
xxh3-128 on the way; whiteout-looking members are ignored with a note.
"""

from __future__ import annotations

import os
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Any, BinaryIO

import xxhash
import zstandard

from closurescope.errors import LoadError
from closurescope.loaders._etcscan import etc_markers
from closurescope.loaders._fallback_graph import image_parts, scanning
from closurescope.loaders._merge import rootfs_tree
from closurescope.loaders._nixscan import ImageScanner, wants_capture
from closurescope.loaders._observe import ContentSink, Observers
from closurescope.loaders._tarstream import (
    CHUNK,
    Progress,
    looks_like_tar,
    scan_tar,
    sniff_compression,
)
from closurescope.loaders._walk import walk
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure, FileEntry, FileKind, FileTree, Source
from closurescope.model.files import entries_from_rows

PARTIAL = 4096
"""Bytes hashed first to split a same-size group before reading whole files."""


def walk_rootfs(root: Path, where: str) -> tuple[list[FileEntry], list[str]]:
    """Every entry under ``root`` (``_walk.walk``: sorted walk, lstat only) and the diagnostics."""
    found = walk(root, where)
    return list(entries_from_rows((*row, None) for row in found.rows).values()), found.notes


def _open(path: str) -> BinaryIO:
    """Open a file of the tree; a path that became a symlink is refused, never followed."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


def _read(path: str, start: int, limit: int | None, hasher: Any) -> None:
    with _open(path) as fh:
        if start:
            fh.seek(start)
        left = limit
        while left is None or left > 0:
            chunk = fh.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            hasher.update(chunk)
            if left is not None:
                left -= len(chunk)


def _sinks(observers: Observers, entry: FileEntry, has_store: bool) -> list[ContentSink]:
    """The observers that want this file's bytes (the store scanner only where it can help)."""
    sinks: list[ContentSink] = []
    for observer in observers:
        if isinstance(observer, ImageScanner) and not (has_store or wants_capture(entry.path)):
            continue  # without a /nix/store only the package databases matter to it
        sink = observer.begin(0, entry.path, entry)
        if sink is not None:
            sinks.append(sink)
    return sinks


def read_contents(
    root: Path, entries: list[FileEntry], observers: Observers, where: str
) -> tuple[dict[str, str], list[str]]:
    """One pass over the regular files: each is read at most once, and only when needed.

    A file is read whole when an observer wants it (store-reference scanning, package
    databases, /etc markers); it is hashed when a duplicate is possible (another file has its
    size). A file only hashed is read in two steps: its first 4 KiB, then the rest only if
    another same-size file has the same first 4 KiB (the same hash state continues, so no byte
    is read twice). Returns the full xxh3-128 digests of the files that share their size and
    first 4 KiB with another file, and the diagnostics.
    """
    notes: list[str] = []
    by_size: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.kind is FileKind.FILE:
            by_size[entry.size] += 1
    has_store = any(e.path == "nix/store" and e.kind is FileKind.DIR for e in entries)
    # (size, digest of the first 4 KiB) -> [(path, full digest or the hash state to continue)]
    groups: dict[tuple[int, str], list[tuple[str, str | Any]]] = defaultdict(list)
    for entry in entries:
        if entry.kind is not FileKind.FILE:
            continue
        host = os.path.join(root, entry.path)
        hashing = by_size[entry.size] > 1
        sinks = _sinks(observers, entry, has_store)
        if not sinks:
            if hashing:
                head = xxhash.xxh3_128()
                try:
                    _read(host, 0, PARTIAL, head)
                except OSError as exc:
                    notes.append(f"{where}: cannot read {entry.path}: {exc.strerror}")
                    continue
                groups[(entry.size, head.hexdigest())].append((entry.path, head))
            continue
        head, full = xxhash.xxh3_128(), xxhash.xxh3_128()
        seen = 0
        try:
            with _open(host) as fh:
                while chunk := fh.read(CHUNK):
                    for sink in sinks:
                        sink.update(chunk)
                    if hashing:
                        if seen < PARTIAL:
                            head.update(chunk[: PARTIAL - seen])
                        full.update(chunk)
                    seen += len(chunk)
        except OSError as exc:
            notes.append(f"{where}: cannot read {entry.path}: {exc.strerror}")
            continue
        for sink in sinks:
            sink.end()
        if hashing:
            groups[(entry.size, head.hexdigest())].append((entry.path, full.hexdigest()))
    digests: dict[str, str] = {}
    for (size, _), members in groups.items():
        if len(members) < 2:
            continue
        for path, state in members:
            if isinstance(state, str):
                digests[path] = state
                continue
            if size > PARTIAL:
                try:
                    _read(os.path.join(root, path), PARTIAL, None, state)
                except OSError as exc:
                    notes.append(f"{where}: cannot read {path}: {exc.strerror}")
                    continue
            digests[path] = state.hexdigest()
    return digests, notes


class RootfsLoader:
    """Loader for a root filesystem directory."""

    name = "rootfs"
    description = "a root filesystem directory (lstat walk, never follows links)"
    virtual = False
    autodetect = True

    def __init__(self, observers: Observers = ()) -> None:
        self.observers = observers

    def sniff(self, source: InputSource) -> bool:
        return source.is_dir

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        del options
        if not source.is_dir or source.path is None:
            raise LoadError(source.display, "a rootfs is a directory")
        where = source.display
        found = walk(source.path, where)
        notes = list(found.notes)
        entries = list(entries_from_rows((*row, None) for row in found.rows).values())
        observers = scanning(self.observers)  # store references, package dbs, /etc markers
        digests, more = read_contents(source.path, entries, observers, where)
        notes.extend(more)
        notes.append(
            f"{where}: xxh3-128 digests only for files whose size and first 4 KiB "
            "are shared with another file"
        )
        # the walk lists each directory's children in name order: the tree's children index
        rows = ((*row, digests.get(row[0])) for row in found.rows)
        tree = FileTree(entries_from_rows(rows), found.children)
        graph, owned, graph_notes = image_parts(tree, (), None, observers)
        return Closure(
            source=Source(path=where, format=self.name, description="root filesystem directory"),
            graph=graph,
            files=owned,
            diagnostics=(*notes, *graph_notes),
            file_markers=etc_markers(observers, owned),
        )


class RootfsTarLoader:
    """Loader for a plain tar of a root filesystem (not an image)."""

    name = "rootfs-tar"
    description = "a tar of a root filesystem, plain/gzip/zstd (not an image)"
    virtual = False
    autodetect = True

    def __init__(self, observers: Observers = ()) -> None:
        self.observers = observers

    def sniff(self, source: InputSource) -> bool:
        if source.is_dir:
            return False
        head = source.head
        compression = sniff_compression(head)
        try:
            if compression == "gzip":
                head = zlib.decompressobj(31).decompress(head, 1024)
            elif compression == "zstd":
                head = zstandard.ZstdDecompressor().decompressobj().decompress(head)[:1024]
        except (zlib.error, zstandard.ZstdError):
            return False
        return looks_like_tar(head)

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        where = source.display
        observers = scanning(self.observers)  # a fresh ImageScanner for the image graph
        progress = Progress(options.progress, source.size)
        with source.open() as stream:
            scan = scan_tar(
                progress.wrap(stream),
                display=where,
                what="",
                layer_index=None,
                observers=observers,
            )
        progress.finish()
        tree, notes = rootfs_tree(scan.entries, where=where)
        graph, owned, more = image_parts(tree, (), None, observers)
        return Closure(
            source=Source(
                path=where,
                format=self.name,
                description=f"root filesystem tar ({scan.compression})",
            ),
            graph=graph,
            files=owned,
            file_markers=etc_markers(observers, owned),
            diagnostics=(
                *scan.diagnostics,
                *notes,
                *more,
                f"{where}: file digests are xxh3-128 (hex) of each regular file's content",
            ),
        )


LOADER = RootfsLoader()
TAR_LOADER = RootfsTarLoader()
