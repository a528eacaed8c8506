"""DOT building blocks shared by the closure picture and the diff picture (no I/O).

Node ids are ``n_`` + the first 12 hex digits of the SHA-1 of the component id (fold notes
``f_`` + their owner's), so a component keeps its id across runs and inputs. Everything is
emitted in sorted order, so the same input gives byte-identical DOT.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import graphviz

from closurescope.model import Component, DepGraph, NodeId, split_name_version
from closurescope.report.graph_select import Fold, Selection
from closurescope.units import format_size

DIFF_STYLE = {
    "added": ("#c7e9c0", "#238b45"),
    "removed": ("#fcbba1", "#cb181d"),
    "grown": ("#fdd0a2", "#d94801"),
    "shrunk": ("#c6dbef", "#2171b5"),
    "changed": ("#ffffcc", "#969696"),
    "same": ("#ffffff", "#bdbdbd"),
}


def node_id(component: str) -> str:
    """The stable DOT id of a component."""
    return "n_" + hashlib.sha1(component.encode("utf-8")).hexdigest()[:12]


def fold_id(owner: str | None) -> str:
    return "f_rest" if owner is None else "f_" + node_id(owner)[2:]


def text(*lines: str) -> str:
    """A multi-line DOT label with every user string escaped."""
    return "\\n".join(graphviz.escape(line) for line in lines if line)


def size_or_unknown(size: int | None) -> str:
    return "size unknown" if size is None else format_size(size)


def component_lines(comp: Component) -> list[str]:
    """``[name without version, version]``: ``glibc-2.39-52-bin`` → ``glibc-bin``, ``2.39-52``."""
    version = comp.version or split_name_version(comp.name)[1] or None
    name = comp.name
    if version and f"-{version}" in name:
        name = name.replace(f"-{version}", "", 1)
    return [name, version or ""]


@dataclass(frozen=True, slots=True)
class Frame:
    """Title and totals shown in the graph label."""

    title: str
    note: str


def rankdir(sel: Selection) -> str:
    """``LR`` or ``TB``, whichever gives the picture an aspect nearer 1.6 (wide labels).

    Levels are longest-path ranks from the sources (folds one level below their owner); an
    LR picture is about levels × 3.0 in wide and rows × 0.7 in high, a TB one rows × 2.75 in
    wide and levels × 1.1 in high.
    """
    succ: dict[NodeId, list[NodeId]] = {n: [] for n in sel.nodes}
    indegree = dict.fromkeys(sel.nodes, 0)
    for edge in sel.edges:
        succ[edge.src].append(edge.dst)
        indegree[edge.dst] += 1
    level = dict.fromkeys(sel.nodes, 0)
    ready = [n for n in sel.nodes if indegree[n] == 0]
    while ready:
        node = ready.pop()
        for nxt in succ[node]:
            level[nxt] = max(level[nxt], level[node] + 1)
            indegree[nxt] -= 1
            if indegree[nxt] == 0:
                ready.append(nxt)
    rows: dict[int, int] = {}
    for node in sel.nodes:
        rows[level[node]] = rows.get(level[node], 0) + 1
    for fold in sel.folds:
        at = level[fold.owner] + 1 if fold.owner is not None else 0
        rows[at] = rows.get(at, 0) + 1
    if not rows:
        return "LR"
    levels, width = max(rows) + 1, max(rows.values())
    wide = abs(math.log((levels * 3.0) / (width * 0.7) / 1.6))
    tall = abs(math.log((width * 2.75) / (levels * 1.1) / 1.6))
    return "LR" if wide <= tall else "TB"


def digraph(frame: Frame, direction: str = "LR") -> graphviz.Digraph:
    return graphviz.Digraph(
        "closurescope",
        graph_attr={
            "rankdir": direction,
            "labelloc": "t",
            "label": text(frame.title, frame.note),
            "fontname": "Helvetica",
            "fontsize": "12",
            "nodesep": "0.15",
            "ranksep": "0.4",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": "Helvetica",
            "fontsize": "10",
            "margin": "0.08,0.04",
        },
        edge_attr={
            "color": "#636363",
            "arrowsize": "0.6",
            "fontname": "Helvetica",
            "fontsize": "9",
        },
    )


def emit_folds(
    dot: graphviz.Digraph, folds: Iterable[Fold], describe: Callable[[int | None], str]
) -> None:
    for fold in folds:
        amount = describe(fold.size)
        dot.node(
            fold_id(fold.owner),
            label=text(f"+{len(fold.members)} more", f"({amount})"),
            shape="note",
            style="filled",
            fillcolor="#f0f0f0",
            color="#969696",
            fontcolor="#525252",
        )
        if fold.owner is not None:
            dot.edge(node_id(fold.owner), fold_id(fold.owner), style="dotted", color="#969696")


def emit_edges(
    dot: graphviz.Digraph,
    sel: Selection,
    status: Mapping[tuple[NodeId, NodeId], str] | None,
    graph: DepGraph | None = None,
) -> None:
    for edge in sel.edges:
        attrs: dict[str, str] = {}
        evidence = graph.evidence(edge.src, edge.dst) if graph is not None else ()
        if evidence:
            more = f" (+{len(evidence) - 3} more)" if len(evidence) > 3 else ""
            attrs["tooltip"] = graphviz.escape("referenced from " + ", ".join(evidence[:3]) + more)
        if not edge.direct:
            attrs["style"] = "dashed"
            attrs["color"] = "#969696"
        elif status is not None:
            kind = status.get((edge.src, edge.dst), "same")
            if kind == "added":
                attrs["color"] = DIFF_STYLE["added"][1]
                attrs["penwidth"] = "2"
            elif kind == "removed":
                attrs["color"] = DIFF_STYLE["removed"][1]
                attrs["style"] = "dashed"
                attrs["penwidth"] = "2"
        dot.edge(node_id(edge.src), node_id(edge.dst), **attrs)
