"""The neutral model every loader produces and every analysis reads (frozen dataclasses).

Names are imported from their modules on first use: ``closurescope dupes`` needs the file
tree and the findings, not the graph or the image model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from closurescope._lazy import lazy_names

if TYPE_CHECKING:
    from closurescope.model.closure import Closure, Source
    from closurescope.model.component import (
        Component,
        split_name_version,
        store_path_hash,
        store_path_name,
    )
    from closurescope.model.files import (
        MAX_SYMLINK_HOPS,
        FileEntry,
        FileKind,
        FileTree,
        FileTreeBuilder,
        Resolution,
        Resolved,
    )
    from closurescope.model.findings import Finding, Fix, Rule, RuleResult, Severity, Status
    from closurescope.model.graph import (
        DepGraph,
        DepGraphBuilder,
        GraphIntegrityError,
        IndexedGraph,
    )
    from closurescope.model.ids import ComponentKind, NodeId
    from closurescope.model.image import HistoryEntry, ImageConfig, Layer

__getattr__ = lazy_names(
    __name__,
    {
        "Closure": "closure",
        "Source": "closure",
        "Component": "component",
        "split_name_version": "component",
        "store_path_hash": "component",
        "store_path_name": "component",
        "MAX_SYMLINK_HOPS": "files",
        "FileEntry": "files",
        "FileKind": "files",
        "FileTree": "files",
        "FileTreeBuilder": "files",
        "Resolution": "files",
        "Resolved": "files",
        "Finding": "findings",
        "Fix": "findings",
        "Rule": "findings",
        "RuleResult": "findings",
        "Severity": "findings",
        "Status": "findings",
        "DepGraph": "graph",
        "DepGraphBuilder": "graph",
        "GraphIntegrityError": "graph",
        "IndexedGraph": "graph",
        "ComponentKind": "ids",
        "NodeId": "ids",
        "HistoryEntry": "image",
        "ImageConfig": "image",
        "Layer": "image",
    },
)


__all__ = [
    "MAX_SYMLINK_HOPS",
    "Closure",
    "Component",
    "ComponentKind",
    "DepGraph",
    "DepGraphBuilder",
    "FileEntry",
    "FileKind",
    "FileTree",
    "FileTreeBuilder",
    "Finding",
    "Fix",
    "GraphIntegrityError",
    "HistoryEntry",
    "ImageConfig",
    "IndexedGraph",
    "Layer",
    "NodeId",
    "Resolution",
    "Resolved",
    "Rule",
    "RuleResult",
    "Severity",
    "Source",
    "Status",
    "split_name_version",
    "store_path_hash",
    "store_path_name",
]
