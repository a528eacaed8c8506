"""The default picture of a generated 5,000-path closure is pruned to a reviewable size.

How long it takes is measured by benchmarks/bench_graph.py (run by hand), not here.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from closurescope.cli import main

GEN = Path(__file__).resolve().parents[3] / "benchmarks" / "gen_closure.py"


@pytest.mark.slow
@pytest.mark.needs_dot
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz dot")
@pytest.mark.skipif(not GEN.is_file(), reason="benchmarks/gen_closure.py is missing")
def test_5000_paths_render_pruned(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("gen_closure", GEN)
    assert spec is not None
    assert spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    data = gen.generate(5000, 62500)
    src = tmp_path / "closure.json"
    src.write_text(json.dumps(data))
    out = tmp_path / "closure.svg"
    assert main(["graph", str(src), "-o", str(out)]) == 0
    svg = out.read_text()
    nodes = svg.count('class="node"')
    assert 30 <= nodes < 200  # 30 components plus their folds and the legend, not 5,000
    assert "+" in svg
    assert "more" in svg
