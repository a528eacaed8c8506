"""Apply layers in order to one merged FileTree, with OCI whiteout semantics.

For each layer, as the OCI image spec says, whiteouts apply to the layers *below* only:
first every whiteout (``.wh.NAME`` deletes ``NAME`` and what is under it) and every opaque
marker (``.wh..wh..opq`` empties its directory) of the layer is applied, then the layer's
other entries are added in archive order. A directory entry over an existing directory
replaces its metadata and keeps its children; a non-directory over a directory replaces the
whole subtree.

Per layer, relative to the tree below it:

- ``removed``: paths that existed below and do not exist once the layer is applied;
- ``modified``: paths that existed below and that this layer replaces with a new entry;
- ``added``: paths that did not exist below (implicit parent directories included).

A hardlink whose target exists neither earlier in its layer nor below is a LoadError (as
extraction by a container runtime would fail on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from closurescope.errors import LoadError
from closurescope.model import FileEntry, FileKind, FileTree, FileTreeBuilder


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerChanges:
    """What applying one layer did to the tree below it (sorted path tuples)."""

    added: tuple[str, ...]
    modified: tuple[str, ...]
    removed: tuple[str, ...]


def apply_layer(
    builder: FileTreeBuilder, entries: Sequence[FileEntry], *, where: str
) -> LayerChanges:
    """Apply one layer's own entries to ``builder``; returns what changed."""
    removed: set[str] = set()
    for entry in entries:
        if entry.kind is FileKind.WHITEOUT:
            removed.update(e.path for e in builder.remove(entry.path))
        elif entry.kind is FileKind.OPAQUE:
            removed.update(e.path for e in builder.clear_children(entry.path))
    added: set[str] = set()
    modified: set[str] = set()
    for entry in entries:
        if entry.kind is FileKind.WHITEOUT or entry.kind is FileKind.OPAQUE:
            continue
        if entry.kind is FileKind.HARDLINK:
            target = builder.get(entry.link_target or "")
            if target is None:
                raise LoadError(
                    where,
                    f"hardlink {entry.path!r} points to {entry.link_target!r}, "
                    "which is neither earlier in this layer nor in the layers below",
                )
            if target.kind is FileKind.DIR:
                raise LoadError(where, f"hardlink {entry.path!r} points to a directory")
        old = builder.get(entry.path)
        if old is not None and old.kind is FileKind.DIR and entry.kind is not FileKind.DIR:
            gone = builder.clear_children(entry.path)
            removed.update(e.path for e in gone)
            added.difference_update(e.path for e in gone)
            modified.difference_update(e.path for e in gone)
        parent = entry.parent
        while parent and parent not in builder:
            _mark(parent, added, modified, removed)
            parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
        _mark(entry.path, added, modified, removed, existed=old is not None)
        builder.add(entry)
    return LayerChanges(
        added=tuple(sorted(added)),
        modified=tuple(sorted(modified)),
        removed=tuple(sorted(removed)),
    )


def _mark(
    path: str,
    added: set[str],
    modified: set[str],
    removed: set[str],
    *,
    existed: bool = False,
) -> None:
    if path in added or path in modified:
        return
    if existed or path in removed:
        removed.discard(path)
        modified.add(path)
    else:
        added.add(path)


def merge_layers(
    layers: Sequence[Sequence[FileEntry]], *, where: str
) -> tuple[FileTree, tuple[LayerChanges, ...]]:
    """Apply every layer (bottom first); the merged tree and each layer's changes."""
    builder = FileTreeBuilder()
    changes = tuple(
        apply_layer(builder, entries, where=f"{where}: layer {i}")
        for i, entries in enumerate(layers)
    )
    return builder.build(), changes


def rootfs_tree(entries: Sequence[FileEntry], *, where: str) -> tuple[FileTree, list[str]]:
    """A tree from a plain rootfs tar: whiteout-looking names are kept out, with a note."""
    notes: list[str] = []
    kept: list[FileEntry] = []
    for entry in entries:
        if entry.kind is FileKind.WHITEOUT or entry.kind is FileKind.OPAQUE:
            notes.append(f"{where}: whiteout marker for {entry.path!r} in a plain tar; ignored")
        else:
            kept.append(entry)
    builder = FileTreeBuilder()
    apply_layer(builder, kept, where=where)
    return builder.build(), notes
