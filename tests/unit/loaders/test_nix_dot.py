"""The nix-dot loader and its DOT tokenizer/parser, on real ``nix-store -q --graph`` output."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_dot import LOADER, DotSyntaxError, parse_dot, tokenize

DATA = Path(__file__).parent / "nix_data"

A = "7wjvd22jf2jsa677lkwkxykz037pw4ia-liba-1.0"
B = "q0jdxkmm2yksbs29s4i1hxskr05sisz9-libb-2.3"


def load_text(text: str, display: str = "g.dot") -> object:
    source = InputSource(display, None, io.BytesIO(text.encode()))
    return LOADER.load(source, LoadOptions())


def test_real_dot_has_the_same_graph_as_path_info() -> None:
    dot = load(str(DATA / "graph.dot"))
    info = load(str(DATA / "path-info.json"))
    assert dot.source.format == "nix-dot"
    assert sorted(dot.graph) == sorted(info.graph)
    assert dot.graph.edges() == info.graph.edges()  # edges turned round: referrer → reference
    assert dot.graph.roots == info.graph.roots == ((DATA / "root").read_text().strip(),)
    for node in dot.graph:
        comp = dot.graph.component(node)
        assert comp.self_size is None  # the DOT has no sizes: unknown, never 0
        assert comp.name == info.graph.component(node).name
        assert comp.version == info.graph.component(node).version


def test_edge_direction_is_dependency_to_dependent() -> None:
    # liba -> libb means libb references liba (nix-store -q --graph draws it that way)
    closure = load_text(f'digraph G {{ "{A}" -> "{B}" [color = "black"]; }}')
    graph = closure.graph  # type: ignore[attr-defined]
    assert graph.references(f"/nix/store/{B}") == (f"/nix/store/{A}",)
    assert graph.roots == (f"/nix/store/{B}",)


def test_tokenizer_handles_comments_strings_and_punctuation() -> None:
    text = (
        "// leading comment\n"
        "# preprocessor line\n"
        '/* block\n comment */ strict digraph "my \\"graph\\"" {\n'
        '  a -> b [label = "x" + "y", w=1.5];\n'
        "  c:p:n -> <html <b>x</b>>;\n"
        "}\n"
    )
    toks = list(tokenize(text))
    kinds = [(t.kind, t.text, t.line) for t in toks]
    assert kinds[0] == ("kw", "strict", 4)
    assert kinds[2] == ("id", 'my "graph"', 4)
    assert ("->", "->", 5) in kinds
    assert ("id", "1.5", 5) in kinds
    assert ("id", "html <b>x</b>", 6) in kinds
    assert kinds[-1][0] == "eof"
    graph = parse_dot(text)
    assert graph.edges == [("a", "b"), ("c", "html <b>x</b>")]


def test_parser_node_attributes_subgraphs_and_defaults() -> None:
    text = f"""digraph G {{
      node [shape = box]; rankdir = LR
      "{A}" [label = "liba-1.0", style = filled];
      subgraph cluster_x {{ "{B}" }} -> "{A}"
    }}"""
    graph = parse_dot(text)
    assert graph.nodes[A] == {"label": "liba-1.0", "style": "filled"}
    assert graph.edges == [(B, A)]
    assert graph.node_lines[A] == 3


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('digraph G {\n "a" -> ;\n}', 2, "expected a node id"),
        ('digraph G {\n "a" -> "b"\n', 3, "expected '}'"),
        ('digraph G {\n\n "unterminated\n}', 3, "unterminated quoted string"),
        ("digraph G {\n /* open comment\n}", 2, "unterminated /* comment"),
        ('digraph G {\n "a" [label = ];\n}', 2, "a value for label"),
        ("graph G {\n a -> b\n}", 2, "-> in a graph"),
        ('digraph G { "a" }\n\n"b"', 3, "end of file after the graph"),
        ("digraph G {\n a @ b\n}", 2, "unexpected character '@'"),
        ('digraph G {\n "a" + ;\n}', 2, "'+' must join two strings"),
        ("\n\nnode a", 3, "expected digraph"),
    ],
)
def test_syntax_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(DotSyntaxError) as info:
        parse_dot(text)
    assert info.value.line == line
    assert words in str(info.value)
    with pytest.raises(LoadError) as load_info:
        load_text(text)
    message = str(load_info.value)
    assert message.startswith(f"g.dot: line {line}: DOT syntax error")
    assert "\n" not in message


def test_node_that_is_not_a_store_path() -> None:
    with pytest.raises(LoadError, match=r"g.dot: line 3: node 'hello' is not a store path name"):
        load_text(f'digraph G {{\n"{A}";\nhello -> "{A}";\n}}')


def test_cycle_is_a_load_error() -> None:
    with pytest.raises(LoadError, match="reference cycle"):
        load_text(f'digraph G {{ "{A}" -> "{B}"; "{B}" -> "{A}"; }}')


def test_absolute_node_ids_and_self_loops() -> None:
    closure = load_text(f'digraph {{ "/nix/store/{A}" -> "/nix/store/{A}"; "/nix/store/{B}" }}')
    graph = closure.graph  # type: ignore[attr-defined]
    assert len(graph) == 2
    assert graph.edge_count() == 0


def test_sniff() -> None:
    def sniff(data: bytes) -> bool:
        return LOADER.sniff(InputSource("x", None, io.BytesIO(data)))

    assert sniff((DATA / "graph.dot").read_bytes())
    assert sniff(b"/* made by nix */\n// x\n  strict digraph {}")
    assert not sniff(b"graph G {}")
    assert not sniff(b'{"digraph": 1}')
    assert not sniff(b'"unterminated')
