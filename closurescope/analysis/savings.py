"""Total saving of a set of findings, counting every byte once.

Findings overlap: a file inside a duplicate tree (CS205) may also be in a duplicate-file
group, a materialised recursion covers the duplicate trees inside it. Each finding names
what its fix removes in ``Finding.reclaims``: in-image paths (a directory stands for every
regular file below it) or component ids (their self size). The total is the size of the
union. A finding with a saving but no ``reclaims`` cannot be deduplicated and is added as is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from closurescope.model import FileKind, FileTree, Finding


def total_saving(
    findings: Iterable[Finding],
    tree: FileTree | None,
    graph_sizes: Mapping[str, int | None],
) -> int:
    """Bytes freed by fixing every finding, each file and component counted once.

    ``graph_sizes`` maps component ids to self sizes (None = unknown, counted as 0).
    Component ids that are also directories of the tree (``/nix/store/…`` in an image)
    are expanded as paths, so their files are not counted twice.
    """
    files: set[str] = set()
    components: set[str] = set()
    loose = 0
    for finding in findings:
        if not finding.reclaims:
            loose += finding.saving or 0
            continue
        for item in finding.reclaims:
            path = item.strip("/")
            entry = tree.get(path) if tree is not None and path else None
            if entry is not None and tree is not None:
                if entry.kind is FileKind.DIR:
                    files.update(e.path for e in tree.walk(path) if e.kind is FileKind.FILE)
                elif entry.kind is FileKind.FILE:
                    files.add(path)
            elif item in graph_sizes:
                components.add(item)
    # A file inside a reclaimed directory is already counted; sum each path once.
    total = loose
    if tree is not None:
        for path in files:
            entry = tree.get(path)
            total += entry.size if entry is not None else 0
    total += sum(graph_sizes[c] or 0 for c in components)
    return total
