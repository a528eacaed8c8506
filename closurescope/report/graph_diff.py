"""DOT of what changed between two closures (added, removed, grown, shrunk, version changed).

Components are matched by kind and package name, as ``nix store diff-closures`` groups them;
sizes are summed over the versions present. Pure: returns DOT text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import graphviz

from closurescope.analysis.result import AnalysisResult
from closurescope.model import Closure, Component, ComponentKind, DepGraph, DepGraphBuilder, NodeId
from closurescope.report._dot import (
    DIFF_STYLE,
    Frame,
    component_lines,
    digraph,
    emit_edges,
    emit_folds,
    node_id,
    rankdir,
    size_or_unknown,
    text,
)
from closurescope.report.graph_select import DEFAULT_TOP, Selection, group_key, select
from closurescope.units import format_delta


@dataclass(frozen=True, slots=True)
class _Group:
    """Components of one closure that share kind and package name."""

    name: str
    versions: tuple[str, ...]
    size: int | None


def _groups(graph: DepGraph, rename: Mapping[NodeId, NodeId]) -> dict[NodeId, _Group]:
    members: dict[NodeId, list[Component]] = {}
    for comp in graph.components.values():
        key = group_key(comp.kind, comp.name)
        members.setdefault(rename.get(key, key), []).append(comp)
    out: dict[NodeId, _Group] = {}
    for key, comps in members.items():
        versions = sorted({c.version or component_lines(c)[1] or "ε" for c in comps})
        sizes = [c.self_size for c in comps]
        total = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
        out[key] = _Group(comps[0].pname, tuple(versions), total)
    return out


def _group_edges(graph: DepGraph, rename: Mapping[NodeId, NodeId]) -> set[tuple[NodeId, NodeId]]:
    key = {n: group_key(c.kind, c.name) for n, c in graph.components.items()}
    key = {n: rename.get(k, k) for n, k in key.items()}
    return {(key[a], key[b]) for a, b in graph.edges() if key[a] != key[b]}


def _root_rename(old: DepGraph, new: DepGraph) -> dict[NodeId, NodeId]:
    """When each side has one root and their names differ, match them (``app`` → ``app-v2``)."""
    if len(old.roots) != 1 or len(new.roots) != 1:
        return {}
    a, b = old.component(old.roots[0]), new.component(new.roots[0])
    old_key, new_key = group_key(a.kind, a.name), group_key(b.kind, b.name)
    if old_key == new_key or a.kind is not b.kind:
        return {}
    old_keys = {group_key(c.kind, c.name) for c in old.components.values()}
    new_keys = {group_key(c.kind, c.name) for c in new.components.values()}
    if new_key in old_keys or old_key in new_keys:
        return {}
    return {old_key: new_key}


def _status(old: _Group | None, new: _Group | None) -> str:
    if old is None:
        return "added"
    if new is None:
        return "removed"
    if old.size is not None and new.size is not None and old.size != new.size:
        return "grown" if new.size > old.size else "shrunk"
    return "same" if old.versions == new.versions else "changed"


def diff_dot(
    old_closure: Closure,
    old_result: AnalysisResult,
    new_closure: Closure,
    new_result: AnalysisResult,
    *,
    top: int | None = DEFAULT_TOP,
    legend: bool = True,
) -> str:
    """DOT of what changed between two closures, matched by kind and package name.

    Nodes are coloured added / removed / grown / shrunk / changed (version only) / same and
    labelled with self-size deltas; the ``top`` biggest changes are kept (roots of either side
    too), the rest folded with their summed delta. Edges only in the new closure are green,
    edges only in the old one red and dashed. When each side has a single root under a
    different name (``app`` → ``app-v2``), the two roots are matched as one component.
    """
    rename = _root_rename(old_closure.graph, new_closure.graph)
    old_groups = _groups(old_closure.graph, rename)
    new_groups = _groups(new_closure.graph, {})
    old_edges = _group_edges(old_closure.graph, rename)
    new_edges = _group_edges(new_closure.graph, {})
    builder = DepGraphBuilder()
    delta: dict[NodeId, int | None] = {}
    status: dict[NodeId, str] = {}
    for key in sorted(set(old_groups) | set(new_groups)):
        old, new = old_groups.get(key), new_groups.get(key)
        present = new or old
        assert present is not None
        status[key] = _status(old, new)
        old_size = 0 if old is None else old.size
        new_size = 0 if new is None else new.size
        delta[key] = None if old_size is None or new_size is None else new_size - old_size
        builder.add(
            Component(
                id=key,
                kind=ComponentKind(key.split(":", 1)[0]),
                name=present.name,
                self_size=delta[key],
            )
        )
    for src, dst in sorted(old_edges | new_edges):
        builder.add_reference(src, dst)
    for closure in (old_closure, new_closure):
        for root in closure.graph.roots:
            comp = closure.graph.component(root)
            key = group_key(comp.kind, comp.name)
            builder.add_root(rename.get(key, key))
    merged = builder.build(allow_cycles=True)
    magnitude: dict[NodeId, int | None] = {
        k: (abs(d) if d is not None else None) if status[k] != "same" else -1
        for k, d in delta.items()
    }
    sel = select(merged, frozenset(merged.components), magnitude, delta, top=top)
    old_total, new_total = old_result.total_size, new_result.total_size
    total_delta = None if old_total is None or new_total is None else new_total - old_total
    counts = {s: sum(1 for k in status if status[k] == s) for s in DIFF_STYLE}
    frame = Frame(
        title=f"{old_closure.source.path} → {new_closure.source.path}: "
        f"{size_or_unknown(old_total)} → {size_or_unknown(new_total)} "
        f"({format_delta(total_delta)})",
        note=", ".join(f"{counts[s]} {s}" for s in DIFF_STYLE if counts[s])
        + f"; showing {len(sel.nodes)} of {len(merged)}",
    )
    dot = digraph(frame, rankdir(sel))
    for key in sel.nodes:
        old, new = old_groups.get(key), new_groups.get(key)
        fill, line = DIFF_STYLE[status[key]]
        present = new or old
        name = present.name if present is not None else str(key)
        versions_old = ", ".join(old.versions) if old else "∅"
        versions_new = ", ".join(new.versions) if new else "∅"
        lines = [name, status[key]]
        if old is not None and new is not None and old.name != new.name:
            lines[0] = f"{old.name} → {new.name}"
        if versions_old != versions_new:
            lines.append(f"{versions_old} → {versions_new}")
        elif versions_new != "ε":  # nothing to say about an unversioned component
            lines.append(versions_new)
        lines.append(
            f"{format_delta(delta[key])} ({size_or_unknown(old.size if old else 0)} → "
            f"{size_or_unknown(new.size if new else 0)})"
        )
        attrs = {
            "label": text(*lines),
            "fillcolor": fill,
            "color": line,
            "tooltip": graphviz.escape(str(key)),
        }
        if status[key] in ("added", "removed"):
            attrs["penwidth"] = "2"
        if status[key] == "removed":
            attrs["style"] = "rounded,filled,dashed"
        dot.node(node_id(key), **attrs)
    emit_folds(dot, sel.folds, lambda s: f"{format_delta(s)} together")
    edge_status = {
        e: ("added" if e not in old_edges else "removed" if e not in new_edges else "same")
        for e in old_edges | new_edges
    }
    emit_edges(dot, sel, edge_status)
    if legend:
        _diff_legend(dot, sel, {status[k] for k in sel.nodes}, edge_status)
    return str(dot.source)


def _diff_legend(
    dot: graphviz.Digraph,
    sel: Selection,
    shown: set[str],
    edge_status: Mapping[tuple[NodeId, NodeId], str],
) -> None:
    drawn = {edge_status.get((e.src, e.dst), "same") for e in sel.edges if e.direct}
    with dot.subgraph(name="cluster_legend") as leg:
        leg.attr(
            label="legend", style="rounded", color="#bdbdbd", fontname="Helvetica", fontsize="10"
        )
        for kind in (k for k in DIFF_STYLE if k in shown):
            fill, line = DIFF_STYLE[kind]
            label = "version changed" if kind == "changed" else kind
            leg.node(f"legend_{kind}", label=label, fillcolor=fill, color=line)
        for kind in ("added", "removed"):
            if kind in drawn:
                leg.node(f"legend_{kind}_a", label="", shape="point", width="0.05")
                leg.node(f"legend_{kind}_b", label="", shape="point", width="0.05")
                style = "dashed" if kind == "removed" else "solid"
                leg.edge(
                    f"legend_{kind}_a",
                    f"legend_{kind}_b",
                    label=f"reference {kind}",
                    color=DIFF_STYLE[kind][1],
                    style=style,
                    penwidth="2",
                )
        if sel.folds:
            leg.node(
                "legend_fold",
                label=text("+N more", "(summed delta)"),
                shape="note",
                style="filled",
                fillcolor="#f0f0f0",
                color="#969696",
            )
