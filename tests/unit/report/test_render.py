"""Rendering with the real Graphviz ``dot``: the SVG's nodes and edges are the selected graph."""

from __future__ import annotations

import shutil

import pytest

from closurescope.analysis import analyze
from closurescope.errors import ClosurescopeError, ToolMissingError, UsageError
from closurescope.model import Closure
from closurescope.report.graph_select import layer_of, scope_of, select
from closurescope.report.graphviz import diff_dot, graph_dot, node_id
from closurescope.report.render import MISSING_DOT, format_for, render

from ._graph_inputs import HELLO, HELLO_NEW, closure_from, image_closure, layered_dag, svg_graph

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs the graphviz dot binary")


def expected_graph(closure: Closure, **options: object) -> tuple[set[str], set[tuple[str, str]]]:
    """The selection graph_dot draws, in DOT ids, computed from graph_select directly."""
    result = analyze(closure)
    by = str(options.get("by", "added"))
    field = {"added": "added_size", "layer": "added_size", "closure": "closure_size"}.get(
        by, "self_size"
    )
    metric = {n: getattr(s, field) for n, s in result.sizes.items()}
    weight = {n: s.self_size for n, s in result.sizes.items()}
    scope, highlighted = scope_of(
        closure.graph,
        why=options.get("why"),  # type: ignore[arg-type]
        focus=options.get("focus"),  # type: ignore[arg-type]
        depth=options.get("depth"),  # type: ignore[arg-type]
    )
    sel = select(
        closure.graph,
        scope,
        metric,
        weight,
        top=options.get("top", 30),  # type: ignore[arg-type]
        highlighted=highlighted,
        groups=layer_of(closure) if by == "layer" else None,
    )
    nodes = {node_id(n) for n in sel.nodes}
    edges = {(node_id(e.src), node_id(e.dst)) for e in sel.edges}
    for fold in sel.folds:
        fid = "f_rest" if fold.owner is None else "f_" + node_id(fold.owner)[2:]
        nodes.add(fid)
        if fold.owner is not None:
            edges.add((node_id(fold.owner), fid))
    return nodes, edges


CASES = [
    ("hello", {}),
    ("hello", {"why": "glibc", "top": 0}),
    ("hello", {"focus": "curl", "depth": 1}),
    ("dag", {"top": 15}),
    ("dag", {"top": 8, "by": "closure"}),
    ("image", {"by": "layer", "top": 3}),
]


def _closure(kind: str) -> Closure:
    if kind == "hello":
        return closure_from(HELLO, ["app-1.0"])
    if kind == "image":
        return image_closure()
    spec, roots = layered_dag(600, seed=17)
    return closure_from(spec, roots)


@needs_dot
@pytest.mark.needs_dot
@pytest.mark.parametrize(("kind", "options"), CASES)
def test_svg_nodes_and_edges_are_the_selected_graph(kind: str, options: dict[str, object]) -> None:
    closure = _closure(kind)
    text = graph_dot(closure, analyze(closure), legend=False, **options)  # type: ignore[arg-type]
    svg = render(text, "svg")
    nodes, edges = svg_graph(svg)
    want_nodes, want_edges = expected_graph(closure, **options)
    assert nodes == want_nodes
    assert edges == want_edges
    assert nodes  # something was drawn


@needs_dot
@pytest.mark.needs_dot
def test_legend_and_diff_render() -> None:
    closure = closure_from(HELLO, ["app-1.0"])
    spec, roots = layered_dag(600, seed=17)
    big = closure_from(spec, roots)
    text = graph_dot(big, analyze(big), top=15)
    assert "style=dashed" in text
    nodes, _ = svg_graph(render(text, "svg"))
    assert {"legend_size", "legend_fold", "legend_a", "legend_b", "legend_c"} <= nodes
    nodes, _ = svg_graph(render(graph_dot(closure, analyze(closure), top=0), "svg"))
    assert {"legend_size", "legend_a", "legend_b"} <= nodes
    assert "legend_fold" not in nodes  # nothing folded, nothing dashed: not explained
    assert "legend_c" not in nodes
    new = closure_from(HELLO_NEW, ["app-1.0"])
    dnodes, dedges = svg_graph(
        render(diff_dot(closure, analyze(closure), new, analyze(new)), "svg")
    )
    assert node_id("store-path:zstd") in dnodes
    assert node_id("store-path:nghttp2") in dnodes
    assert (node_id("store-path:curl"), node_id("store-path:zstd")) in dedges


@needs_dot
@pytest.mark.needs_dot
def test_png_and_pdf_magic() -> None:
    closure = closure_from(HELLO, ["app-1.0"])
    text = graph_dot(closure, analyze(closure))
    png = render(text, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png) > 10_000
    assert render(text, "pdf")[:5] == b"%PDF-"
    assert render(text, "dot") == text.encode()


@needs_dot
@pytest.mark.needs_dot
def test_broken_dot_is_one_line_error() -> None:
    with pytest.raises(ClosurescopeError, match=r"^dot failed: ") as info:
        render("digraph { a -> }", "svg")
    assert "\n" not in str(info.value)


def test_missing_dot_is_one_line_with_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    with pytest.raises(ToolMissingError) as info:
        render("digraph { a }", "svg")
    assert str(info.value) == MISSING_DOT
    assert "apt-get install graphviz" in str(info.value)
    assert render("digraph { a }", "dot") == b"digraph { a }"  # DOT needs no dot


def test_format_from_suffix() -> None:
    assert format_for("out/closure.svg") == "svg"
    assert format_for("a.PNG") == "png"
    assert format_for("a.gv") == "gv"
    assert format_for("-") == "dot"
    assert format_for(None) == "dot"
    assert format_for("a.svg", "pdf") == "pdf"
    with pytest.raises(UsageError, match="unknown graph format 'jpeg'"):
        format_for("a.jpeg")
    with pytest.raises(UsageError, match="cannot tell the format"):
        format_for("closure")
