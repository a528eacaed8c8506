"""Duplicate files: identical content (size + digest) at different paths.

Rules (the semantics the peer tests check against ``jdupes -r`` and ``rmlint``):

- only regular files (kind FILE) take part; a HARDLINK entry shares its content with its
  target, so a hardlinked pair is one file, not two copies (jdupes' default, rmlint's
  ``--no-hardlinked``);
- empty files are ignored (jdupes without ``-z``; rmlint reports them as ``emptyfile``);
- symlinks are never followed and never compared;
- a file whose digest is None cannot be a duplicate: loaders leave the digest unset only
  on files whose size no other file shares (the rootfs loader's size → partial hash → full
  hash pipeline), so grouping by (size, digest) never needs to read the host.

Each group keeps the first path (in tree order) and reclaims the others:
``reclaimable = size × (copies − 1)``. Groups are sorted by reclaimable bytes, largest first.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from closurescope.analysis.merkle import path_key
from closurescope.model import FileKind, FileTree


@dataclass(frozen=True, slots=True)
class DupeGroup:
    """Files with the same content; ``paths[0]`` is the copy to keep."""

    size: int
    digest: str
    paths: tuple[str, ...]

    @property
    def copies(self) -> int:
        """How many paths hold this content."""
        return len(self.paths)

    @property
    def reclaimable(self) -> int:
        """Bytes freed by keeping one copy."""
        return self.size * (len(self.paths) - 1)

    @property
    def redundant(self) -> tuple[str, ...]:
        """Every path but the kept one."""
        return self.paths[1:]


def ignored(path: str, globs: Iterable[str]) -> bool:
    """True when ``path`` matches one of the user's ignore globs (``fnmatch``, ``/``-less ok)."""
    return any(fnmatch.fnmatchcase(path, g.lstrip("/")) for g in globs)


def duplicate_files(tree: FileTree, ignore: Iterable[str] = ()) -> tuple[DupeGroup, ...]:
    """Every group of two or more regular files with equal size and digest."""
    globs = tuple(ignore)
    groups: dict[tuple[int, str], list[str]] = {}
    file_kind = FileKind.FILE
    for entry in tree.entries.values():  # any order: each group is sorted below
        if entry.digest is None or entry.kind is not file_kind or entry.size == 0:
            continue
        if globs and ignored(entry.path, globs):
            continue
        key = (entry.size, entry.digest)
        paths = groups.get(key)
        if paths is None:
            groups[key] = [entry.path]
        else:
            paths.append(entry.path)
    found = [
        DupeGroup(size, digest, tuple(sorted(paths, key=path_key)))
        for (size, digest), paths in groups.items()
        if len(paths) > 1
    ]
    found.sort(key=lambda g: (-g.reclaimable, path_key(g.paths[0])))
    return tuple(found)
