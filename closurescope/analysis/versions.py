"""Packages present in more than one version in one closure (nix-tree-rs ``--diff`` grouping).

Names are split like ``builtins.parseDrvName`` after folding output suffixes, as
``nix store diff-closures`` does: ``glibc-2.39-52`` and ``glibc-2.39-52-bin`` are the same
version of ``glibc``; ``openssl-3.0.14`` and ``openssl-3.3.1`` are two versions of ``openssl``.
Only components with a version count (a name without one is not a version of anything).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from closurescope.analysis.result import NodeSizes
from closurescope.analysis.why import Chain, shortest_chains
from closurescope.model import ComponentKind, DepGraph, NodeId, split_name_version

_PACKAGE_KINDS = frozenset({ComponentKind.STORE_PATH, ComponentKind.PACKAGE})


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionEntry:
    """One version of a package: its components (outputs), their bytes and why they are here."""

    version: str
    components: tuple[NodeId, ...]
    bytes: int | None
    """Sum of the components' self sizes (None if any is unknown)."""
    chains: Mapping[NodeId, Chain]
    """The shortest why chain (from a root) to each component."""


@dataclass(frozen=True, slots=True, kw_only=True)
class VersionGroup:
    """A package found in several versions; ``versions[0]`` is the one with the most bytes."""

    pname: str
    versions: tuple[VersionEntry, ...]
    wasted: int | None
    """Bytes of every version but the largest (None if a size is unknown)."""

    @property
    def extra_components(self) -> tuple[NodeId, ...]:
        """Component ids of every version but the largest (what unifying would remove)."""
        return tuple(sorted(c for v in self.versions[1:] for c in v.components))


def _sum(values: list[int | None]) -> int | None:
    total = 0
    for v in values:
        if v is None:
            return None
        total += v
    return total


def _version_order(entry: VersionEntry) -> tuple[int, int, str]:
    return (1, 0, entry.version) if entry.bytes is None else (0, -entry.bytes, entry.version)


def several_versions(graph: DepGraph, sizes: Mapping[NodeId, NodeSizes]) -> list[VersionGroup]:
    """Every package present in more than one version; most wasted bytes first, then name."""
    by_name: dict[str, dict[str, list[NodeId]]] = {}
    for node, comp in graph.components.items():
        if comp.kind not in _PACKAGE_KINDS:
            continue
        pname, version = split_name_version(comp.name)
        if not version and comp.version and comp.kind is ComponentKind.PACKAGE:
            version = comp.version
        if version:
            by_name.setdefault(pname, {}).setdefault(version, []).append(node)
    several = {p: v for p, v in by_name.items() if len(v) >= 2}
    chains = shortest_chains(graph, (n for v in several.values() for ns in v.values() for n in ns))
    groups: list[VersionGroup] = []
    for pname, versions in several.items():
        entries = []
        for version, nodes in versions.items():
            ordered = tuple(sorted(nodes))
            entries.append(
                VersionEntry(
                    version=version,
                    components=ordered,
                    bytes=_sum([sizes[n].self_size for n in ordered]),
                    chains={n: chains[n] for n in ordered},
                )
            )
        entries.sort(key=_version_order)
        wasted = _sum([e.bytes for e in entries[1:]])
        groups.append(VersionGroup(pname=pname, versions=tuple(entries), wasted=wasted))
    groups.sort(key=lambda g: (g.wasted is None, -(g.wasted or 0), g.pname))
    return groups
