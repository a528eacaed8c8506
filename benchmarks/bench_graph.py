"""Benchmark ``closurescope graph`` on a generated 5,000-path closure, rendered to SVG by dot.

Generates the closure with ``benchmarks/gen_closure.py`` (fixed seed), then times the real CLI
(``closurescope graph FILE -o OUT.svg``, default pruning) end to end and phase by phase (load,
analyse, DOT text, ``dot -Tsvg``). For comparison it renders the whole graph the way
``nix-store -q --graph`` writes it (one box per path, every reference an edge) with the same
``dot``, under a time limit: that hairball is what review pictures replace.

    python benchmarks/bench_graph.py [--paths 5000] [--refs 62500] [--hairball-timeout 60]

Exit status 1 when the default picture takes 10 s or more.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_closure import generate

from closurescope.analysis import analyze
from closurescope.cli import main as cli_main
from closurescope.loaders import load
from closurescope.report.graphviz import graph_dot
from closurescope.report.render import render

TARGET_SECONDS = 10.0


def hairball_dot(data: list[dict[str, object]]) -> str:
    """The closure as ``nix-store -q --graph`` draws it (dotgraph.cc: reference → referrer)."""
    lines = ["digraph G {"]
    for info in data:
        path = str(info["path"])
        name = path.split("-", 1)[1]
        lines.append(
            f'"{path}" [label = "{name}", shape = box, style = filled, fillcolor = "#ff0000"];'
        )
        for ref in info["references"]:  # type: ignore[attr-defined]
            if ref != path:
                lines.append(f'"{ref}" -> "{path}" [color = "black"];')
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=5000)
    parser.add_argument("--refs", type=int, default=62500)
    parser.add_argument("--hairball-timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    if shutil.which("dot") is None:
        print("dot (Graphviz) is not installed: apt-get install graphviz", file=sys.stderr)
        return 2
    data = generate(args.paths, args.refs)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "closure.json"
        src.write_text(json.dumps(data, separators=(",", ":")))
        out = Path(tmp) / "closure.svg"

        start = time.perf_counter()
        code = cli_main(["graph", str(src), "-o", str(out)])
        total = time.perf_counter() - start
        if code != 0:
            print(f"closurescope graph failed with exit status {code}", file=sys.stderr)
            return 2
        svg_bytes = out.stat().st_size

        t0 = time.perf_counter()
        closure = load(str(src))
        t1 = time.perf_counter()
        result = analyze(closure)
        t2 = time.perf_counter()
        text = graph_dot(closure, result)
        t3 = time.perf_counter()
        render(text, "svg")
        t4 = time.perf_counter()

        hair = hairball_dot(data)
        hstart = time.perf_counter()
        try:
            proc = subprocess.run(
                ["dot", "-Tsvg"],
                input=hair.encode(),
                capture_output=True,
                timeout=args.hairball_timeout,
                check=False,
            )
            hair_time = f"{time.perf_counter() - hstart:.1f} s (exit {proc.returncode})"
        except subprocess.TimeoutExpired:
            hair_time = f"> {args.hairball_timeout:.0f} s (killed)"

    edges = sum(len(d["references"]) for d in data)  # type: ignore[arg-type]
    print(f"closure: {len(data)} paths, {edges} references (self-references included)")
    print(f"closurescope graph -o closure.svg (default --top 30): {total:.2f} s, {svg_bytes} B SVG")
    print(
        f"  phases: load {t1 - t0:.2f} s, analyse {t2 - t1:.2f} s, "
        f"DOT {t3 - t2:.3f} s ({len(text)} chars), dot -Tsvg {t4 - t3:.2f} s"
    )
    print(f"nix-store -q --graph style hairball ({len(hair)} chars) through dot -Tsvg: {hair_time}")
    verdict = "PASS" if total < TARGET_SECONDS else "FAIL"
    print(f"target < {TARGET_SECONDS:.0f} s: {verdict}")
    return 0 if total < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
