"""Merkle hashes of the directories of a FileTree: equal hash ⇔ equal whole content.

A directory's hash covers, for every child sorted by name: the name, the kind, the
permission bits and the content (a regular file's size and digest, a symlink's target, a
subdirectory's own hash). The directory's own name and mode are not part of its hash, so two
directories with different names can be equal. Owner (uid/gid) and timestamps are ignored.

Files without a digest: loaders hash every file of an image, but a rootfs loader hashes only
files whose size is shared by at least two files (a file with a unique size cannot have a
twin). Such a file gets a content token unique to its path, so any directory holding it is
unique too, which is correct by construction: that directory's hash is not computed, it is
``unique:PATH`` (equal to nothing else). Empty files need no digest (their content is
known). A HARDLINK entry hashes as the file it links to.

Nothing here reads the host: only the tree's entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from closurescope.model import FileEntry, FileKind, FileTree


def path_key(path: str) -> tuple[str, ...]:
    """Sort key ordering paths like FileTree.walk (parents first, siblings by name)."""
    return tuple(path.split("/")) if path else ()


def is_under(path: str, top: str) -> bool:
    """True when ``path`` is ``top`` or lies below it (``top == ""`` is the root)."""
    return not top or path == top or path.startswith(top + "/")


@dataclass(frozen=True, slots=True)
class DirIndex:
    """Per directory: Merkle hash, bytes of regular files below it, and file count."""

    hashes: Mapping[str, str]
    """Directory path → hex Merkle hash (the root is ``""``), or ``unique:PATH`` for a
    directory holding a file no other file can equal (see the module docstring)."""
    bytes: Mapping[str, int]
    """Directory path → apparent bytes of the regular files below it (hardlinks counted once)."""
    files: Mapping[str, int]
    """Directory path → number of regular files (and hardlinks) below it."""
    links: Mapping[str, int]
    """Directory path → number of symlinks below it."""
    entries: Mapping[str, int]
    """Directory path → number of entries of every kind below it (not counting itself)."""


def _content(entry: FileEntry, tree: FileTree, hashes: Mapping[str, str]) -> str:
    kind = entry.kind
    if kind is FileKind.DIR:
        return hashes[entry.path]
    if kind is FileKind.HARDLINK:
        target = tree.get(entry.link_target or "")
        if target is not None and target.kind is FileKind.FILE:
            return _content(target, tree, hashes)
        return "hardlink:" + (entry.link_target or "")
    if kind is FileKind.FILE:
        if entry.size == 0:
            return "0:"
        if entry.digest is None:
            return f"{entry.size}:unique:{entry.path}"
        return f"{entry.size}:{entry.digest}"
    if kind is FileKind.SYMLINK:
        return entry.link_target or ""
    return ""


def index_tree(tree: FileTree, top: str = "") -> DirIndex:
    """Hash every directory below (and including) ``top``, children before parents."""
    hashes: dict[str, str] = {}
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    links: dict[str, int] = {}
    entries: dict[str, int] = {}
    if top:
        dirs = [e.path for e in tree.walk(top) if e.kind is FileKind.DIR]
        dirs.reverse()
    else:  # every directory, deepest first: children are hashed before their parents
        dirs = [p for p, e in tree.entries.items() if e.kind is FileKind.DIR]
        dirs.sort(key=lambda p: p.count("/"), reverse=True)
    dirs.append(top)
    get = tree.get
    blake2b = hashlib.blake2b
    DIR, FILE, HARDLINK, SYMLINK = FileKind.DIR, FileKind.FILE, FileKind.HARDLINK, FileKind.SYMLINK
    for path in dirs:
        records: list[str] | None = []  # None once a child is unique: no hash to compute
        total = 0
        count = 0
        nlinks = 0
        below = 0
        for child_path in tree.children(path):
            child = get(child_path)
            if child is None:  # pragma: no cover - the children index is built from entries
                continue
            kind = child.kind
            below += 1
            if kind is DIR:
                content = hashes[child_path]
                total += sizes[child_path]
                count += counts[child_path]
                nlinks += links[child_path]
                below += entries[child_path]
                if content.startswith("unique:"):
                    records = None
            elif kind is FILE:
                size = child.size
                total += size
                count += 1
                if records is None:
                    continue
                if size == 0:
                    content = "0:"
                elif child.digest is None:
                    records = None
                    continue
                else:
                    content = f"{size}:{child.digest}"
            else:
                if kind is HARDLINK:
                    count += 1
                elif kind is SYMLINK:
                    nlinks += 1
                if records is None:
                    continue
                content = _content(child, tree, hashes)
            if records is not None:
                name = child_path.rsplit("/", 1)[-1]
                records.append(f"{name}\0{kind.value}\0{child.mode & 0o7777:o}\0{content}\n")
        if records is None:
            hashes[path] = "unique:" + path
        else:
            data = "".join(records).encode("utf-8", "surrogateescape")
            hashes[path] = blake2b(data, digest_size=16).hexdigest()
        sizes[path] = total
        counts[path] = count
        links[path] = nlinks
        entries[path] = below
    return DirIndex(hashes=hashes, bytes=sizes, files=counts, links=links, entries=entries)
