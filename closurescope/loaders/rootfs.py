"""Plain root filesystems: ``rootfs`` (a directory) and ``rootfs-tar`` (a tar that is not an
image). A rootfs has no layers: ``Closure.layers`` is empty and ``Closure.files`` holds it.

``rootfs`` walks the directory with ``closurescope.loaders._walk`` (``os.scandir``/``lstat``,
never following a symlink; hardlinks by ``(st_dev, st_ino)``, the first path met is the
FILE, the others HARDLINK entries pointing at it, so bytes count once).
File contents are hashed only where a duplicate is possible (``_walk.candidate_digests``):
files are grouped by size; in a group of two or more, a file up to 64 KiB is hashed whole,
a bigger one by its first 4 KiB first and in full only when another same-size file starts
the same (the hash state continues, so every byte is read at most once). Those files get
``FileEntry.digest`` (the full xxh3-128, hex); every other file's digest is None. Files the
content scanners read whole are hashed on the way, not read again. Unreadable files and
directories are reported in the diagnostics, never fatal.

``rootfs-tar`` streams the tar once (gzip/zstd sniffed) and hashes every regular file with
xxh3-128 on the way; whiteout-looking members are ignored with a note.
"""

from __future__ import annotations

import os
import zlib
from collections import defaultdict
from pathlib import Path
from typing import BinaryIO

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
from closurescope.loaders._walk import PARTIAL, candidate_digests, walk
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure, FileEntry, FileKind, FileTree, Source
from closurescope.model.files import entries_from_rows


def _open(path: str) -> BinaryIO:
    """Open a file of the tree; a path that became a symlink is refused, never followed."""
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NOFOLLOW), "rb")


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
    databases, /etc markers), and hashed on the way when another file has its size. The
    duplicate candidates are then settled by ``_walk.candidate_digests`` (size, then whole
    small files or the first 4 KiB of big ones, then the rest), which reads only the files no
    observer wanted. Returns the full xxh3-128 digests and the diagnostics.
    """
    notes: list[str] = []
    by_size: dict[int, int] = defaultdict(int)
    for entry in entries:
        if entry.kind is FileKind.FILE:
            by_size[entry.size] += 1
    has_store = any(e.path == "nix/store" and e.kind is FileKind.DIR for e in entries)
    known: dict[str, tuple[str, str]] = {}  # read here: (first 4 KiB, whole) digests
    candidates: list[tuple[str, int]] = []
    for entry in entries:
        if entry.kind is not FileKind.FILE:
            continue
        sinks = _sinks(observers, entry, has_store)
        if not sinks:
            candidates.append((entry.path, entry.size))
            continue
        hashing = by_size[entry.size] > 1
        head, full = xxhash.xxh3_128(), xxhash.xxh3_128()
        seen = 0
        try:
            with _open(os.path.join(root, entry.path)) as fh:
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
            continue  # left out of the size groups: it cannot be compared
        for sink in sinks:
            sink.end()
        candidates.append((entry.path, entry.size))
        if hashing:
            known[entry.path] = (head.hexdigest(), full.hexdigest())
    digests, more = candidate_digests(root, candidates, where, known=known)
    return digests, [*notes, *more]


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
            f"{where}: xxh3-128 digests only for files whose size is shared with another file "
            "(above 64 KiB, also their first 4 KiB)"
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
