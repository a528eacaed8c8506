"""``nix-store -q --graph`` DOT output → Closure.

Nix draws one node per store path (id = base name ``<hash>-<name>``, ``label`` = name) and
one edge per reference, from the **dependency to the dependent** (reference → referrer), the
reverse of our edges: every edge is turned round here. The DOT has no sizes, so self sizes
are unknown (None). The DOT reader is a small real tokenizer and parser for the DOT language
(quoted and HTML strings, ``+`` concatenation, comments, attribute lists, ``;``, subgraphs);
a syntax error names the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from closurescope.errors import LoadError
from closurescope.loaders._nix import (
    DEFAULT_STORE_DIR,
    StoreRecord,
    build_closure,
    is_store_base_name,
    is_store_path,
)
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure

_KEYWORDS = frozenset({"strict", "graph", "digraph", "subgraph", "node", "edge"})


class DotSyntaxError(ValueError):
    """A DOT syntax error at a line (1-based)."""

    def __init__(self, line: int, problem: str) -> None:
        self.line = line
        super().__init__(f"line {line}: DOT syntax error: {problem}")


class Token(NamedTuple):
    """One DOT token: kind is ``id``, ``kw`` (keyword, lower-cased), ``->``, ``--``, a
    punctuation character, or ``eof``."""

    kind: str
    text: str
    line: int

    def shown(self) -> str:
        """How an error message names this token."""
        if self.kind == "eof":
            return "end of file"
        return repr(self.text if len(self.text) <= 40 else self.text[:40] + "…")


_TOKEN_RE = re.compile(
    r"""
    [ \t\r\f\v]*
    (?:(?P<nl>\n)
    |(?P<line_comment>//[^\n]*)
    |(?P<block_comment>/\*.*?\*/)
    |(?P<string>"[^"\\]*(?:\\.[^"\\]*)*")
    |(?P<op>->|--)
    |(?P<numeral>-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?))
    |(?P<bare>[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)
    |(?P<punct>[{}\[\];,=:+])
    )?
    """,
    re.DOTALL | re.VERBOSE,
)


def _unescape(body: str) -> str:
    """DOT keeps backslash escapes except ``\\"`` (a quote) and backslash-newline (nothing)."""
    if "\\" not in body:
        return body
    return re.sub(r"\\(\n|\")", lambda m: "" if m.group(1) == "\n" else '"', body)


def _html_end(text: str, i: int, line: int) -> int:
    """Index of the ``>`` closing the ``<…>`` HTML string that starts at ``i``."""
    depth = 0
    for j in range(i, len(text)):
        ch = text[j]
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
            if depth == 0:
                return j
    raise DotSyntaxError(line, "unterminated <HTML> string")


def tokenize(text: str) -> Iterator[Token]:
    """Split DOT text into tokens (DotSyntaxError on an unterminated string or comment)."""
    i = 0
    line = 1
    n = len(text)
    at_line_start = True
    match_at = _TOKEN_RE.match
    while i < n:
        m = match_at(text, i)  # always matches: leading blanks, then maybe a token
        assert m is not None
        kind = m.lastgroup
        if kind is None:
            i = m.end()
            if i >= n:
                break
        if kind == "nl":
            line += 1
            i = m.end()
            at_line_start = True
            continue
        if text[i] == "#" and at_line_start:  # C preprocessor output lines
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        at_line_start = False
        if kind is None:
            c = text[i]
            if c == '"':
                raise DotSyntaxError(line, "unterminated quoted string")
            if text.startswith("/*", i):
                raise DotSyntaxError(line, "unterminated /* comment")
            if c == "<":
                j = _html_end(text, i, line)
                yield Token("id", text[i + 1 : j], line)
                line += text.count("\n", i, j)
                i = j + 1
                continue
            raise DotSyntaxError(line, f"unexpected character {c!r}")
        word = m.group(kind)
        i = m.end()
        if kind in ("line_comment", "block_comment"):
            line += word.count("\n")
        elif kind == "string":
            yield Token("id", _unescape(word[1:-1]), line)
            line += word.count("\n")
        elif kind in ("op", "punct"):
            yield Token(word, word, line)
        elif kind == "bare" and word.lower() in _KEYWORDS:
            yield Token("kw", word.lower(), line)
        else:
            yield Token("id", word, line)
    yield Token("eof", "", line)


@dataclass(slots=True)
class DotGraph:
    """What a DOT document declares: nodes with their attributes, and edges (tail, head)."""

    directed: bool = True
    name: str | None = None
    nodes: dict[str, dict[str, str]] = field(default_factory=dict)
    node_lines: dict[str, int] = field(default_factory=dict)
    edges: list[tuple[str, str]] = field(default_factory=list)


class _Parser:
    def __init__(self, text: str) -> None:
        self._tokens = _concatenate(tokenize(text))
        self._last = len(self._tokens) - 1
        self._pos = 0
        self.graph = DotGraph()

    def _peek(self, ahead: int = 0) -> Token:
        if ahead:
            return self._tokens[min(self._pos + ahead, self._last)]
        return self._tokens[self._pos]

    def _next(self) -> Token:
        tok = self._tokens[self._pos]
        if self._pos < self._last:
            self._pos += 1
        return tok

    def _expect(self, kind: str, what: str) -> Token:
        tok = self._next()
        if tok.kind != kind:
            raise DotSyntaxError(tok.line, f"expected {what}, got {tok.shown()}")
        return tok

    def parse(self) -> DotGraph:
        tok = self._next()
        if tok.kind == "kw" and tok.text == "strict":
            tok = self._next()
        if tok.kind != "kw" or tok.text not in ("graph", "digraph"):
            raise DotSyntaxError(tok.line, f"expected digraph, got {tok.shown()}")
        self.graph.directed = tok.text == "digraph"
        if self._peek().kind == "id":
            self.graph.name = self._next().text
        self._expect("{", "'{'")
        self._stmt_list()
        self._expect("}", "'}'")
        tok = self._next()
        if tok.kind != "eof":
            raise DotSyntaxError(
                tok.line, f"expected end of file after the graph, got {tok.shown()}"
            )
        return self.graph

    def _stmt_list(self) -> set[str]:
        """Statements up to the closing ``}``; returns the node ids they mention."""
        mentioned: set[str] = set()
        while self._peek().kind not in ("}", "eof"):
            mentioned |= self._stmt()
            if self._peek().kind == ";":
                self._next()
        return mentioned

    def _stmt(self) -> set[str]:
        tok = self._peek()
        if tok.kind == "kw" and tok.text in ("graph", "node", "edge"):
            self._next()
            if self._peek().kind != "[":
                raise DotSyntaxError(tok.line, f"expected '[' after {tok.text}")
            self._attr_list()
            return set()
        if tok.kind == "id" and self._peek(1).kind == "=":
            self._next()
            self._next()
            self._expect("id", "a value after '='")
            return set()
        left = self._endpoint()
        mentioned = set(left)
        edges: list[tuple[str, str]] = []
        while self._peek().kind in ("->", "--"):
            op = self._next()
            if (op.kind == "->") != self.graph.directed:
                raise DotSyntaxError(
                    op.line, f"{op.text} in a {'di' if self.graph.directed else ''}graph"
                )
            right = self._endpoint()
            mentioned |= right
            edges.extend((a, b) for a in sorted(left) for b in sorted(right))
            left = right
        attrs = self._attr_list() if self._peek().kind == "[" else {}
        if not edges and len(mentioned) == 1 and tok.kind == "id":
            (node,) = mentioned
            self.graph.nodes[node].update(attrs)
        self.graph.edges.extend(edges)
        return mentioned

    def _endpoint(self) -> set[str]:
        tok = self._peek()
        if tok.kind == "{" or (tok.kind == "kw" and tok.text == "subgraph"):
            self._next()
            if tok.kind == "kw":
                if self._peek().kind == "id":
                    self._next()
                self._expect("{", "'{' after subgraph")
            inner = self._stmt_list()
            self._expect("}", "'}' closing the subgraph")
            return inner
        if tok.kind != "id":
            raise DotSyntaxError(tok.line, f"expected a node id or statement, got {tok.shown()}")
        self._next()
        if self._peek().kind == ":":  # port, optionally with compass point
            self._next()
            self._expect("id", "a port after ':'")
            if self._peek().kind == ":":
                self._next()
                self._expect("id", "a compass point after ':'")
        self.graph.nodes.setdefault(tok.text, {})
        self.graph.node_lines.setdefault(tok.text, tok.line)
        return {tok.text}

    def _attr_list(self) -> dict[str, str]:
        attrs: dict[str, str] = {}
        while self._peek().kind == "[":
            self._next()
            while self._peek().kind != "]":
                key = self._expect("id", "an attribute name")
                value = "true"
                if self._peek().kind == "=":
                    self._next()
                    value = self._expect("id", f"a value for {key.text}").text
                attrs[key.text] = value
                if self._peek().kind in (",", ";"):
                    self._next()
            self._next()
        return attrs


def _concatenate(tokens: Iterator[Token]) -> list[Token]:
    """Apply DOT's ``"a" + "b"`` string concatenation."""
    toks = list(tokens)
    out: list[Token] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.kind == "+":
            if not out or out[-1].kind != "id" or toks[i + 1].kind != "id":
                raise DotSyntaxError(tok.line, "'+' must join two strings")
            out[-1] = Token("id", out[-1].text + toks[i + 1].text, out[-1].line)
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def parse_dot(text: str) -> DotGraph:
    """Parse a DOT document (DotSyntaxError with the line number on bad syntax)."""
    return _Parser(text).parse()


def _store_path(node: str, line: int, display: str) -> str:
    if is_store_base_name(node):
        return f"{DEFAULT_STORE_DIR}/{node}"
    if is_store_path(node):
        return node
    raise LoadError(
        display,
        f"line {line}: node {node[:80]!r} is not a store path name "
        "(expected nix-store -q --graph output)",
    )


class NixDotLoader:
    """``nix-store --query --graph PATH`` output (Graphviz DOT)."""

    name = "nix-dot"
    description = "nix-store -q --graph DOT (references only; sizes unknown)"
    virtual = False
    autodetect = True

    def sniff(self, source: InputSource) -> bool:
        """The first token, after whitespace and comments, is ``digraph`` (or ``strict``)."""
        if source.is_dir:
            return False
        head = source.head[:4096].decode("utf-8", "replace")
        try:
            first = next(tokenize(head))
        except DotSyntaxError:
            return False
        return first.kind == "kw" and first.text in ("digraph", "strict")

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Parse the DOT, turn every edge round (referrer → reference) and build the closure."""
        text = source.read_text()
        try:
            dot = parse_dot(text)
        except DotSyntaxError as exc:
            raise LoadError(source.display, str(exc)) from None
        if not dot.directed:
            raise LoadError(
                source.display, "an undirected graph; nix-store -q --graph writes a digraph"
            )
        if not dot.nodes:
            raise LoadError(source.display, "the graph has no nodes")
        paths = {n: _store_path(n, dot.node_lines[n], source.display) for n in dot.nodes}
        refs: dict[str, set[str]] = {p: set() for p in paths.values()}
        for reference, referrer in dot.edges:  # Nix draws dependency → dependent
            refs[paths[referrer]].add(paths[reference])
        records = [StoreRecord(path=p, references=tuple(sorted(r))) for p, r in refs.items()]
        return build_closure(
            source.display,
            records,
            fmt=self.name,
            description="nix-store -q --graph (DOT)",
            roots=options.roots,
            diagnostics=(
                f"nix-store -q --graph: {len(records)} store paths, {len(dot.edges)} edges; "
                "the DOT has no sizes (all unknown)",
            ),
        )


LOADER = NixDotLoader()
