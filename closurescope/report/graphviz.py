"""Graphviz DOT for reviews: the heaviest components, why they are there, what changed.

Pure functions returning DOT text built with the ``graphviz`` package (no I/O; rendering to
SVG/PNG/PDF is :mod:`closurescope.report.render`). Edges point from dependent to dependency
(nix-tree's ``--dot`` direction, the opposite of ``nix-store -q --graph``). Node ids are
``n_`` + the first 12 hex digits of the SHA-1 of the component id, so the same component keeps
its id across runs and inputs; nodes, edges and attributes are emitted in sorted order, so the
same input gives byte-identical DOT that can be diffed in review.
"""

from __future__ import annotations

import bisect
import hashlib
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import graphviz

from closurescope.analysis.result import AnalysisResult
from closurescope.errors import UsageError
from closurescope.model import (
    Closure,
    Component,
    ComponentKind,
    DepGraph,
    DepGraphBuilder,
    FileKind,
    Finding,
    NodeId,
    split_name_version,
)
from closurescope.report.graph_select import (
    BY_CHOICES,
    DEFAULT_TOP,
    Fold,
    Selection,
    group_key,
    layer_of,
    scope_of,
    select,
)
from closurescope.units import format_delta, format_size

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

_DIFF_STYLE = {
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


def _fold_id(owner: str | None) -> str:
    return "f_rest" if owner is None else "f_" + node_id(owner)[2:]


def _text(*lines: str) -> str:
    """A multi-line DOT label with every user string escaped."""
    return "\\n".join(graphviz.escape(line) for line in lines if line)


def _size_or_unknown(size: int | None) -> str:
    return "size unknown" if size is None else format_size(size)


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


def _component_lines(comp: Component) -> list[str]:
    """``[name without version, version]``: ``glibc-2.39-52-bin`` → ``glibc-bin``, ``2.39-52``."""
    version = comp.version or split_name_version(comp.name)[1] or None
    name = comp.name
    if version and f"-{version}" in name:
        name = name.replace(f"-{version}", "", 1)
    return [name, version or ""]


@dataclass(frozen=True, slots=True)
class _Frame:
    """Title and totals shown in the graph label."""

    title: str
    note: str


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
    frame = _Frame(
        title=f"{closure.source.path}: {len(graph)} components, "
        f"{_size_or_unknown(result.total_size)}",
        note=f"showing {len(sel.nodes)} of {sel.scope_size} by {by_name} size"
        + (f", {hidden} folded" if hidden else "")
        + (f"; why {why}" if why else "")
        + (f"; focus {focus}" if focus else "")
        + (f"; depth {depth}" if depth is not None else ""),
    )
    dot = _digraph(frame, rankdir(sel))
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
                label=_text(f"layer {index}: {format_size(size)}", created),
                style="rounded,dashed",
                color="#737373",
                fontname="Helvetica",
                fontsize="10",
            )
            _emit_nodes(sub, graph, result, members, metric, scale, marks, sel, by_name)
    _emit_folds(dot, sel.folds, lambda s: f"{_size_or_unknown(s)} self")
    _emit_edges(dot, sel, None, graph)
    if legend:
        _legend(dot, closure, result, marks, sel, by_name)
    return str(dot.source)


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


def _digraph(frame: _Frame, direction: str = "LR") -> graphviz.Digraph:
    return graphviz.Digraph(
        "closurescope",
        graph_attr={
            "rankdir": direction,
            "labelloc": "t",
            "label": _text(frame.title, frame.note),
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
        lines = _component_lines(comp)
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
            "label": _text(*lines),
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


def _emit_folds(
    dot: graphviz.Digraph, folds: Iterable[Fold], describe: Callable[[int | None], str]
) -> None:
    for fold in folds:
        text = describe(fold.size)
        dot.node(
            _fold_id(fold.owner),
            label=_text(f"+{len(fold.members)} more", f"({text})"),
            shape="note",
            style="filled",
            fillcolor="#f0f0f0",
            color="#969696",
            fontcolor="#525252",
        )
        if fold.owner is not None:
            dot.edge(node_id(fold.owner), _fold_id(fold.owner), style="dotted", color="#969696")


def _emit_edges(
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
                attrs["color"] = _DIFF_STYLE["added"][1]
                attrs["penwidth"] = "2"
            elif kind == "removed":
                attrs["color"] = _DIFF_STYLE["removed"][1]
                attrs["style"] = "dashed"
                attrs["penwidth"] = "2"
        dot.edge(node_id(edge.src), node_id(edge.dst), **attrs)


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
            label=_text("darker and wider", f"= more {by} size"),
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
                label=_text("+N more", "(hidden, folded)"),
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
                label=_text(f"⚠ {rule_id}", titles[rule_id]),
                fillcolor="white",
                color=_rule_colour(rule_id),
                penwidth="2.5",
                peripheries="2",
            )


def _rule_name(finding: Finding) -> str:
    from closurescope.analysis.detectors import rules

    rule = rules().get(finding.rule_id)
    return rule.name if rule is not None else finding.title


# -- diffs ------------------------------------------------------------------------------------


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
        versions = sorted({c.version or _component_lines(c)[1] or "ε" for c in comps})
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
    counts = {s: sum(1 for k in status if status[k] == s) for s in _DIFF_STYLE}
    frame = _Frame(
        title=f"{old_closure.source.path} → {new_closure.source.path}: "
        f"{_size_or_unknown(old_total)} → {_size_or_unknown(new_total)} "
        f"({format_delta(total_delta)})",
        note=", ".join(f"{counts[s]} {s}" for s in _DIFF_STYLE if counts[s])
        + f"; showing {len(sel.nodes)} of {len(merged)}",
    )
    dot = _digraph(frame, rankdir(sel))
    for key in sel.nodes:
        old, new = old_groups.get(key), new_groups.get(key)
        fill, line = _DIFF_STYLE[status[key]]
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
            f"{format_delta(delta[key])} ({_size_or_unknown(old.size if old else 0)} → "
            f"{_size_or_unknown(new.size if new else 0)})"
        )
        attrs = {
            "label": _text(*lines),
            "fillcolor": fill,
            "color": line,
            "tooltip": graphviz.escape(str(key)),
        }
        if status[key] in ("added", "removed"):
            attrs["penwidth"] = "2"
        if status[key] == "removed":
            attrs["style"] = "rounded,filled,dashed"
        dot.node(node_id(key), **attrs)
    _emit_folds(dot, sel.folds, lambda s: f"{format_delta(s)} together")
    edge_status = {
        e: ("added" if e not in old_edges else "removed" if e not in new_edges else "same")
        for e in old_edges | new_edges
    }
    _emit_edges(dot, sel, edge_status)
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
        for kind in (k for k in _DIFF_STYLE if k in shown):
            fill, line = _DIFF_STYLE[kind]
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
                    color=_DIFF_STYLE[kind][1],
                    style=style,
                    penwidth="2",
                )
        if sel.folds:
            leg.node(
                "legend_fold",
                label=_text("+N more", "(summed delta)"),
                shape="note",
                style="filled",
                fillcolor="#f0f0f0",
                color="#969696",
            )
