"""How jdupes and rmlint see a tree, as projections of ours (shared by tests and benchmarks).

Our duplicate files and trees equal the peers' after these documented differences:

- jdupes lists every name of a hardlinked inode in a group once the inode has a real twin;
  we count an inode once (later names are HARDLINK entries): ``with_hardlink_names`` adds
  those names back.
- ``rmlint -T df,dd -D -j`` (duplicate directories honouring the layout) never counts an
  empty file or a dangling symlink (a "badlink" for rmlint) as a duplicate, yet counts it in
  its directory's entries, so a directory holding one anywhere below it is never a duplicate
  directory for rmlint; it reports the largest duplicate subtrees without such entries
  instead. ``-D`` also turns on ``-@``: a symlink is a small file holding its target text,
  so directories made only of symlinks are duplicates too (``symlink_only=True``).
  ``rmlint_dirs`` gives every empty file and every dangling link (dangling on the host, as
  rmlint sees it) a content of its own and runs our algorithm: the groups must then equal
  rmlint's, nested groups included (a copy inside a kept tree still counts, a copy inside a
  removed one is gone with it).
"""

from __future__ import annotations

import collections
import dataclasses
import os
from pathlib import Path

from closurescope.analysis.dupe_trees import duplicate_trees
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.model import FileKind, FileTree, FileTreeBuilder

Groups = set[frozenset[str]]


def with_hardlink_names(tree: FileTree) -> Groups:
    """Our duplicate-file groups with the HARDLINK names of their files added (jdupes' view)."""
    names: dict[str, list[str]] = collections.defaultdict(list)
    for entry in tree.walk():
        if entry.kind is FileKind.HARDLINK and entry.link_target:
            names[entry.link_target].append(entry.path)
    return {
        frozenset(p for path in g.paths for p in (path, *names.get(path, ())))
        for g in duplicate_files(tree)
    }


def rmlint_dirs(root: Path, tree: FileTree) -> Groups:
    """Our duplicate trees as ``rmlint -D -j`` reports them (see the module docstring)."""
    builder = FileTreeBuilder()
    for entry in tree.walk():
        unique = (entry.kind is FileKind.FILE and entry.size == 0) or (
            entry.kind is FileKind.SYMLINK and not os.path.exists(root / entry.path)
        )
        if unique:  # a size with no digest: content unique to this path
            entry = dataclasses.replace(entry, kind=FileKind.FILE, size=1, digest=None)
        builder.add(entry)
    seen = builder.build()
    return {frozenset(g.paths) for g in duplicate_trees(seen, index_tree(seen), symlink_only=True)}
