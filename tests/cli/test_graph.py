"""``closurescope graph`` on every sample, rendered by the real ``dot``."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.cli import graph as graph_cli
from closurescope.cli import main
from closurescope.errors import ClosurescopeError
from closurescope.loaders import load
from closurescope.loaders.base import LoadOptions
from closurescope.report import graph_select, render
from closurescope.report.graphviz import diff_dot, graph_dot, node_id
from tests.samples import SAMPLES, all_samples
from tests.unit.report._graph_inputs import svg_graph

ROOT = Path(__file__).resolve().parent.parent.parent

SAMPLE_FILES = all_samples()
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz dot")


def _load_args(path: Path) -> list[str]:
    """Extra options a sample needs (a multi-platform index needs --platform)."""
    try:
        load(str(path))
    except ClosurescopeError as exc:
        if "--platform" in str(exc):
            return ["--platform", "linux/amd64"]
        raise
    return []


def _expected(path: Path, top: int, extra: list[str]) -> tuple[set[str], set[tuple[str, str]]]:
    platform = extra[1] if extra[:1] == ["--platform"] else None
    closure = load(str(path), LoadOptions(platform=platform))
    result = analyze(closure)
    metric = {n: s.added_size for n, s in result.sizes.items()}
    weight = {n: s.self_size for n, s in result.sizes.items()}
    scope = frozenset(closure.graph.components)
    sel = graph_select.select(closure.graph, scope, metric, weight, top=top)
    nodes = {node_id(n) for n in sel.nodes}
    edges = {(node_id(e.src), node_id(e.dst)) for e in sel.edges}
    for fold in sel.folds:
        fid = "f_rest" if fold.owner is None else "f_" + node_id(fold.owner)[2:]
        nodes.add(fid)
        if fold.owner is not None:
            edges.add((node_id(fold.owner), fid))
    return nodes, edges


def test_samples_are_present() -> None:
    assert len(SAMPLE_FILES) >= 10, SAMPLE_FILES


@needs_dot
@pytest.mark.needs_dot
@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_renders_svg_and_png(sample: Path, tmp_path: Path) -> None:
    svg_path, png_path = tmp_path / "g.svg", tmp_path / "g.png"
    extra = _load_args(sample)
    args = ["graph", str(sample), *extra]
    assert main([*args, "-o", str(svg_path), "--top", "12", "--no-legend"]) == 0
    assert main([*args, "-o", str(png_path)]) == 0
    nodes, edges = svg_graph(svg_path.read_bytes())
    want_nodes, want_edges = _expected(sample, 12, extra)
    assert nodes == want_nodes
    assert edges == want_edges
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_dot_to_stdout_is_graph_dot(capsys: pytest.CaptureFixture[str]) -> None:
    sample = SAMPLES / "nix" / "app-image-root-full.path-info-S.json"
    if not sample.is_file():
        pytest.skip("Nix samples not generated")
    assert main(["graph", str(sample), "--why", "glibc", "-o", "-"]) == 0
    out = capsys.readouterr().out
    closure = load(str(sample))
    assert out == graph_dot(closure, analyze(closure), why="glibc")
    assert "->" in out


def test_diff_of_two_samples(tmp_path: Path) -> None:
    old = SAMPLES / "nix" / "app-image-root-full.path-info-S.json"
    new = SAMPLES / "nix" / "app-image-root-full-v2.path-info-S.json"
    if not (old.is_file() and new.is_file()):
        pytest.skip("Nix samples not generated")
    out = tmp_path / "diff.dot"
    assert main(["graph", str(old), str(new), "-o", str(out)]) == 0
    a, b = load(str(old)), load(str(new))
    assert out.read_text() == diff_dot(a, analyze(a), b, analyze(b))
    assert "\\nadded\\n" in out.read_text() or "\\nremoved\\n" in out.read_text()


def test_missing_dot_fails_in_one_line_but_dot_output_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = SAMPLES / "nix" / "app-image-root-minimal.path-info-S.json"
    if not sample.is_file():
        pytest.skip("Nix samples not generated")
    monkeypatch.setenv("PATH", "")
    assert main(["graph", str(sample), "-o", str(tmp_path / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert err == f"closurescope: error: {render.MISSING_DOT}\n"
    assert not (tmp_path / "x.svg").exists()
    assert main(["graph", str(sample), "-o", str(tmp_path / "x.dot")]) == 0
    assert (tmp_path / "x.dot").read_text().startswith("digraph closurescope {")


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = SAMPLES / "nix" / "app-image-root-minimal.path-info-S.json"
    if not sample.is_file():
        pytest.skip("Nix samples not generated")
    assert main(["graph", str(sample), "--why", "no-such-thing"]) == 2
    assert "--why no-such-thing: no component matches" in capsys.readouterr().err
    assert main(["graph", str(sample), "-o", str(tmp_path / "x.jpeg")]) == 2
    assert "unknown graph format 'jpeg'" in capsys.readouterr().err
    assert main(["graph", str(sample), "--format", "svg"]) == 2
    assert "svg output needs a file" in capsys.readouterr().err
    assert main(["graph", str(sample), str(sample), "--why", "glibc"]) == 2
    assert "apply to one input" in capsys.readouterr().err


def test_cli_constants_agree_with_the_report_package() -> None:
    assert graph_cli.FORMATS == render.FORMATS
    assert graph_cli.BY_CHOICES == graph_select.BY_CHOICES
    assert graph_cli.DEFAULT_TOP == graph_select.DEFAULT_TOP


def test_diff_agrees_with_nix_store_diff_closures() -> None:
    """Peer check: every non-root line of the real ``nix store diff-closures`` output."""
    nix = SAMPLES / "nix"
    peer = nix / "app-image-root-full.diff-closures-v2.txt"
    old_path = nix / "app-image-root-full.path-info-S.json"
    new_path = nix / "app-image-root-full-v2.path-info-S.json"
    if not (peer.is_file() and old_path.is_file() and new_path.is_file()):
        pytest.skip("Nix samples not generated")
    old, new = load(str(old_path)), load(str(new_path))
    text = diff_dot(old, analyze(old), new, analyze(new), top=0, legend=False)
    labels = {
        m.group(2): m.group(1) for m in re.finditer(r'label="([^"]*)".*tooltip="([^"]*)"', text)
    }
    roots = {old.graph.component(r).pname for r in old.graph.roots}
    roots |= {new.graph.component(r).pname for r in new.graph.roots}
    checked = 0
    for line in peer.read_text().splitlines():
        name, _, change = line.partition(": ")
        if any(name.startswith(r) or r.startswith(name) for r in roots):
            continue  # roots: closurescope matches a renamed single root, diff-closures does not
        versions, _, delta = change.partition(", ")
        label = labels[f"store-path:{name}"]
        assert versions in label, (name, versions, label)
        if delta:  # diff-closures prints the size only from 8 KiB on
            assert label.split("\\n")[-1].startswith(delta + " ("), (name, delta, label)
        checked += 1
    assert checked >= 3
