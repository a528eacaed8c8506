"""The neutral model every loader produces and every analysis reads (frozen dataclasses)."""

from __future__ import annotations

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
from closurescope.model.graph import DepGraph, DepGraphBuilder, GraphIntegrityError, IndexedGraph
from closurescope.model.ids import ComponentKind, NodeId
from closurescope.model.image import HistoryEntry, ImageConfig, Layer

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
