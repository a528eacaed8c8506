"""Graphviz DOT for reviews: the heaviest components, why they are there, what changed.

Pure functions returning DOT text built with the ``graphviz`` package (no I/O; rendering to
SVG/PNG/PDF is :mod:`closurescope.report.render`). Edges point from dependent to dependency
(nix-tree's ``--dot`` direction, the opposite of ``nix-store -q --graph``). Node ids are
``n_`` + the first 12 hex digits of the SHA-1 of the component id, so the same component keeps
its id across runs and inputs; nodes, edges and attributes are emitted in sorted order, so the
same input gives byte-identical DOT that can be diffed in review. ``diff_dot`` lives in
:mod:`closurescope.report.graph_diff` and is re-exported here.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import graphviz

from closurescope.analysis.result import AnalysisResult
from closurescope.errors import UsageError
from closurescope.model import Closure, ComponentKind, DepGraph, FileKind, Finding, NodeId
from closurescope.report._dot import (
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
from closurescope.report.graph_diff import diff_dot
from closurescope.report.graph_select import (
    BY_CHOICES,
    DEFAULT_TOP,
    Selection,
    layer_of,
    scope_of,
    select,
)
from closurescope.units import format_size

__all__ = ["diff_dot", "finding_marks", "graph_dot", "node_id", "rankdir"]

_PALETTE = "ylorrd9"
_SHADES = 7
"""Fill shades 1..7 of ColorBrewer YlOrRd: darker = heavier (8 and 9 make text unreadable)."""

_FAMILY_COLOURS = {
    "CS1": "#d7301f",
    "CS2": "#6a51a3",
    "CS3": "#2171b5",
    "CS4": "#238b45",
    "CS5": "#238b45",
}
_OTHER_FINDING = "#525252"
_HIGHLIGHT = "#08519c"


@dataclass(frozen=True, slots=True)
class _Scale:
    """Shade by rank among the shown sizes (one huge node cannot wash out the others); width on
    a log scale from the lightest to the heaviest (sizes span magnitudes)."""

    values: tuple[int, ...]
    """The distinct known positive sizes shown, ascending."""

    @classmethod
    def of(cls, values: Iterable[int | None]) -> _Scale:
        return cls(tuple(sorted({v for v in values if v is not None and v > 0})))

    def rank(self, value: int | None) -> float | None:
        """0 for the lightest shown, 1 for the heaviest (and above); None when unknown."""
        if value is None:
            return None
        if len(self.values) < 2:
            return 1.0 if self.values and value >= self.values[0] else 0.0
        return min(bisect.bisect_left(self.values, value), len(self.values) - 1) / (
            len(self.values) - 1
        )

    def log(self, value: int | None) -> float | None:
        """Where ``value`` sits between the lightest and heaviest on a log scale (0..1)."""
        if value is None:
            return None
        if not self.values:
            return 0.0
        low, high = self.values[0], self.values[-1]
        if value >= high:
            return 1.0
        if value <= low:
            return 0.0
        return math.log(value / low) / math.log(high / low)


def _shade(value: int | None, scale: _Scale) -> str:
    fraction = scale.rank(value)
    if fraction is None:
        return "white"
    return f"/{_PALETTE}/{1 + round((_SHADES - 1) * fraction)}"


def _width(value: int | None, scale: _Scale) -> str:
    fraction = scale.log(value)
    return "1.0" if fraction is None else f"{1.0 + 2.0 * fraction:.2f}"


def _metric(result: AnalysisResult, by: str) -> dict[NodeId, int | None]:
    out: dict[NodeId, int | None] = {}
    for node, sizes in result.sizes.items():
        if by == "self":
            out[node] = sizes.self_size
        elif by == "closure":
            out[node] = sizes.closure_size
        else:
            out[node] = sizes.added_size
    return out


def finding_marks(closure: Closure, findings: Iterable[Finding]) -> dict[NodeId, tuple[str, ...]]:
    """Rule ids per component that a finding's subjects name.

    A subject is a component id, or an in-image path: the owning component of the file in the
    merged tree, else every layer component (``layer:N``) whose entries write that path (so
    the layers holding a file that a later layer overwrites or deletes are all marked).
    """
    graph = closure.graph
    files = closure.files
    layer_writes: dict[str, set[int]] | None = None
    marks: dict[NodeId, set[str]] = {}

    def layer_node(index: int | None) -> NodeId | None:
        node = NodeId(f"layer:{index}")
        return node if index is not None and node in graph else None

    for finding in findings:
        for subject in finding.subjects:
            nodes: set[NodeId] = set()
            path = subject.lstrip("/")
            entry = files.get(path) if files is not None else None
            if subject in graph:
                nodes.add(NodeId(subject))
            if entry is not None and entry.component is not None and entry.component in graph:
                nodes.add(NodeId(entry.component))
            if not nodes and closure.layers:
                if layer_writes is None:
                    layer_writes = _layer_writes(closure)
                writers = layer_writes.get(path, set())
                if entry is not None and entry.layer is not None:
                    writers = writers | {entry.layer}
                for index in writers:
                    node = layer_node(index)
                    if node is not None:
                        nodes.add(node)
            for node in nodes:
                marks.setdefault(node, set()).add(finding.rule_id)
    return {n: tuple(sorted(ids)) for n, ids in sorted(marks.items())}


def _layer_writes(closure: Closure) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for layer in closure.layers:
        for entry in layer.entries:
            if entry.kind not in (FileKind.WHITEOUT, FileKind.OPAQUE):
                out.setdefault(entry.path, set()).add(layer.index)
    return out


def _rule_colour(rule_id: str) -> str:
    return _FAMILY_COLOURS.get(rule_id[:3], _OTHER_FINDING)


def graph_dot(
    closure: Closure,
    result: AnalysisResult,
    *,
    top: int | None = DEFAULT_TOP,
    by: str = "added",
    why: str | None = None,
    focus: str | None = None,
    depth: int | None = None,
    reduce: bool = False,
    legend: bool = True,
) -> str:
    """DOT for one closure: the ``top`` heaviest components by ``by``, the rest folded.

    ``why``/``focus``/``depth`` narrow the scope first (see graph_select.scope_of); ``reduce``
    drops edges implied by others; ``legend`` adds a legend cluster. Layers become clusters
    when the closure has layers and components can be placed in one.
    """
    if by not in BY_CHOICES:
        raise ValueError(f"by must be one of {', '.join(BY_CHOICES)}, not {by!r}")
    if by == "layer" and not closure.layers:
        raise UsageError(f"--by layer: {closure.source.path} has no layers (it is not an image)")
    graph = closure.graph
    scope, highlighted = scope_of(graph, why=why, focus=focus, depth=depth)
    metric = _metric(result, by)
    layers = layer_of(closure)
    self_sizes = {n: s.self_size for n, s in result.sizes.items()}
    sel = select(
        graph,
        scope,
        metric,
        self_sizes,
        top=top,
        highlighted=highlighted,
        groups=layers if by == "layer" else None,
        reduce=reduce,
    )
    marks = finding_marks(closure, result.findings)
    # the scale ends at the heaviest non-root: a root's closure or added size is the whole
    # closure and would flatten everyone else's shade
    inner = [n for n in sel.nodes if n not in graph.roots] or list(sel.nodes)
    scale = _Scale.of(metric.get(n) for n in inner)
    by_name = "added" if by == "layer" else by
    hidden = sel.scope_size - len(sel.nodes)
    frame = Frame(
        title=f"{closure.source.path}: {len(graph)} components, "
        f"{size_or_unknown(result.total_size)}",
        note=f"showing {len(sel.nodes)} of {sel.scope_size} by {by_name} size"
        + (f", {hidden} folded" if hidden else "")
        + (f"; why {why}" if why else "")
        + (f"; focus {focus}" if focus else "")
        + (f"; depth {depth}" if depth is not None else ""),
    )
    dot = digraph(frame, rankdir(sel))
    clusters: dict[int | None, list[NodeId]] = {}
    for node in sel.nodes:
        is_layer = graph.component(node).kind is ComponentKind.LAYER
        clusters.setdefault(None if is_layer else layers.get(node), []).append(node)
    layer_by_index = {layer.index: layer for layer in closure.layers}
    for index in sorted(clusters, key=lambda i: (i is None, i or 0)):
        members = clusters[index]
        if index is None or index not in layer_by_index:
            _emit_nodes(dot, graph, result, members, metric, scale, marks, sel, by_name)
            continue
        layer = layer_by_index[index]
        with dot.subgraph(name=f"cluster_layer_{index}") as sub:
            created = (layer.created_by or "").strip().replace("\n", " ")
            if len(created) > 60:
                created = created[:57] + "..."
            size = layer.uncompressed_size or layer.content_size
            sub.attr(
                label=text(f"layer {index}: {format_size(size)}", created),
                style="rounded,dashed",
                color="#737373",
                fontname="Helvetica",
                fontsize="10",
            )
            _emit_nodes(sub, graph, result, members, metric, scale, marks, sel, by_name)
    emit_folds(dot, sel.folds, lambda s: f"{size_or_unknown(s)} self")
    emit_edges(dot, sel, None, graph)
    if legend:
        _legend(dot, closure, result, marks, sel, by_name)
    return str(dot.source)


def _emit_nodes(
    dot: graphviz.Digraph,
    graph: DepGraph,
    result: AnalysisResult,
    nodes: Iterable[NodeId],
    metric: Mapping[NodeId, int | None],
    scale: _Scale,
    marks: Mapping[NodeId, tuple[str, ...]],
    sel: Selection,
    by: str,
) -> None:
    for node in nodes:
        comp = graph.component(node)
        sizes = result.sizes.get(node)
        lines = component_lines(comp)
        if sizes is None or (
            sizes.self_size is None and sizes.closure_size is None and sizes.added_size is None
        ):
            lines.append("size unknown")
        else:
            lines.append(
                f"self {format_size(sizes.self_size)} · closure {format_size(sizes.closure_size)}"
            )
            lines.append(f"added {format_size(sizes.added_size)}")
        rule_ids = marks.get(node, ())
        if rule_ids:
            lines.append("⚠ " + " ".join(rule_ids))
        attrs: dict[str, str] = {
            "label": text(*lines),
            "fillcolor": _shade(metric.get(node), scale),
            "width": _width(metric.get(node), scale),
            "tooltip": graphviz.escape(str(node)),
        }
        if rule_ids:
            attrs["color"] = _rule_colour(rule_ids[0])
            attrs["penwidth"] = "2.5"
            attrs["peripheries"] = "2"
        if node in sel.highlighted:
            attrs["color"] = _HIGHLIGHT
            attrs["penwidth"] = "3"
        if metric.get(node) is None:
            attrs["style"] = "rounded,filled,dashed"
        dot.node(node_id(node), **attrs)


def _legend(
    dot: graphviz.Digraph,
    closure: Closure,
    result: AnalysisResult,
    marks: Mapping[NodeId, tuple[str, ...]],
    sel: Selection,
    by: str,
) -> None:
    shown = {rule for node in sel.nodes for rule in marks.get(node, ())}
    titles: dict[str, str] = {}
    for finding in result.findings:
        if finding.rule_id in shown and finding.rule_id not in titles:
            titles[finding.rule_id] = _rule_name(finding)
    with dot.subgraph(name="cluster_legend") as leg:
        leg.attr(
            label="legend", style="rounded", color="#bdbdbd", fontname="Helvetica", fontsize="10"
        )
        leg.node(
            "legend_size",
            label=text("darker and wider", f"= more {by} size"),
            fillcolor=f"/{_PALETTE}/{_SHADES}",
            fontcolor="white",
        )
        leg.node("legend_a", label="dependent", fillcolor="white")
        leg.node("legend_b", label="dependency", fillcolor="white")
        leg.edge("legend_a", "legend_b", label="references")
        if any(not edge.direct for edge in sel.edges):
            leg.node("legend_c", label="dependency", fillcolor="white")
            leg.edge(
                "legend_b", "legend_c", label="through hidden ones", style="dashed", color="#969696"
            )
        if sel.folds:
            leg.node(
                "legend_fold",
                label=text("+N more", "(hidden, folded)"),
                shape="note",
                style="filled",
                fillcolor="#f0f0f0",
                color="#969696",
            )
        if sel.highlighted:
            leg.node(
                "legend_target",
                label="why / focus target",
                fillcolor="white",
                color=_HIGHLIGHT,
                penwidth="3",
            )
        for rule_id in sorted(titles):
            leg.node(
                "legend_" + rule_id,
                label=text(f"⚠ {rule_id}", titles[rule_id]),
                fillcolor="white",
                color=_rule_colour(rule_id),
                penwidth="2.5",
                peripheries="2",
            )


def _rule_name(finding: Finding) -> str:
    from closurescope.analysis.detectors import rules

    rule = rules().get(finding.rule_id)
    return rule.name if rule is not None else finding.title
