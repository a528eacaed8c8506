"""Benchmark: closure and added sizes of every path, closurescope vs a naive per-node BFS.

One run prints, for a 12,000-path / 150,000-reference closure and a 100,000-path one
(``gen_closure.py``, fixed seed), side by side:

* closurescope end to end: ``closurescope.loaders.load(json)`` (the nix-path-info loader:
  JSON → Components → DepGraph) + ``compute_sizes`` (every closure, added size and count);
* closurescope's size algorithms alone on the integer view built straight from the JSON
  (``indexed_sizes``; the view is built in another process and unpickled, so the peak RSS is
  the view plus the algorithm), to show what the algorithm itself costs in time and memory;
* the naive way: a BFS per node for its closure size (what ``nix path-info -S`` means), and
  for the added size "remove the node, BFS the union closure again" (nix-tree's definition).
  The naive loops run on a fixed random sample of nodes until a time budget is spent, then the
  per-node time is multiplied by the node count; the line says "extrapolated" when it is. The
  sampled naive results are compared with closurescope's and must be equal.

* the peer: real ``nix path-info -rsS ROOT`` (with Nix installed, 12k case only), on the same
  closure registered in a throw-away chroot store with ``nix-store --load-db``; every line it
  prints is compared with closurescope's self and closure size.

Each measurement runs in its own process so its peak RSS (``resource.getrusage``) is its own.
Times are wall and CPU (user + sys): on a shared machine CPU time is the fairer comparison.

    python benchmarks/bench_sizes.py [--budget SECONDS] [--small-only] [--no-nix]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import pickle
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

CASES = [(12_000, 150_000), (100_000, 1_250_000)]


def peak_rss_mb() -> float:
    """This process's peak resident set size in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def indexed_from_json(path: Path) -> object:
    """An IndexedGraph built directly from ``nix path-info --json`` (no networkx)."""
    from closurescope.model import IndexedGraph, NodeId

    data = json.loads(path.read_text())
    ids = tuple(sorted(NodeId(d["path"]) for d in data))
    index = {p: i for i, p in enumerate(ids)}
    succ: list[tuple[int, ...]] = [()] * len(ids)
    pred: list[list[int]] = [[] for _ in ids]
    sizes: list[int | None] = [None] * len(ids)
    for d in data:
        i = index[d["path"]]
        refs = sorted({index[r] for r in d["references"] if r != d["path"]})
        succ[i] = tuple(refs)
        sizes[i] = d.get("narSize")
        for j in refs:
            pred[j].append(i)
    roots = tuple(i for i in range(len(ids)) if not pred[i])
    return IndexedGraph(
        ids,
        index,  # a dict, not DepGraph's read-only proxy: it is pickled
        tuple(succ),
        tuple(tuple(p) for p in pred),
        tuple(sizes),
        roots,
    )


def child_closurescope(path: Path) -> dict[str, object]:
    from closurescope.analysis.sizes import compute_sizes
    from closurescope.loaders import load

    t0, c0 = time.perf_counter(), time.process_time()
    closure = load(str(path))
    t1, c1 = time.perf_counter(), time.process_time()
    sizes = compute_sizes(closure.graph)
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "nodes": len(closure.graph),
        "edges": closure.graph.edge_count(),
        "load_s": t1 - t0,
        "sizes_s": t2 - t1,
        "load_cpu": c1 - c0,
        "sizes_cpu": c2 - c1,
        "rss_mb": peak_rss_mb(),
        "loader": closure.source.format,
        "checksum": sum(s.closure_size or 0 for s in sizes.values()),
    }


def child_prep(path: Path, pickled: Path) -> dict[str, object]:
    """Build the integer view from the JSON once and pickle it, so that the ``core`` child's
    peak RSS is the view plus the size algorithms, not the JSON parser's leftovers."""
    pickled.write_bytes(pickle.dumps(indexed_from_json(path), protocol=pickle.HIGHEST_PROTOCOL))
    return {"rss_mb": peak_rss_mb()}


def child_core(pickled: Path) -> dict[str, object]:
    from closurescope.analysis.sizes import indexed_sizes

    t0 = time.perf_counter()
    ig = pickle.loads(pickled.read_bytes())
    t1, c1 = time.perf_counter(), time.process_time()
    before = peak_rss_mb()
    got = indexed_sizes(ig)  # type: ignore[arg-type]
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "build_s": t1 - t0,
        "sizes_s": t2 - t1,
        "sizes_cpu": c2 - c1,
        "rss_mb": peak_rss_mb(),
        "rss_before_sizes_mb": before,
        "checksum": sum(c or 0 for c in got.closure),
    }


def child_naive(path: Path, budget: float) -> dict[str, object]:
    from closurescope.analysis.sizes import indexed_sizes

    ig = indexed_from_json(path)
    succ = ig.succ  # type: ignore[attr-defined]
    weights = ig.sizes  # type: ignore[attr-defined]
    n = len(succ)
    order = list(range(n))
    random.Random(7).shuffle(order)

    def closure_size(v: int) -> int:
        seen = {v}
        stack = [v]
        total = 0
        while stack:
            u = stack.pop()
            total += weights[u]
            for w in succ[u]:
                if w not in seen:
                    seen.add(w)
                    stack.append(w)
        return total

    starts = [v for v in range(n) if not ig.pred[v]]  # type: ignore[attr-defined]
    everything = sum(weights)

    def added_size(v: int) -> int:
        seen = {s for s in starts if s != v}
        stack = list(seen)
        total = 0
        while stack:
            u = stack.pop()
            total += weights[u]
            for w in succ[u]:
                if w != v and w not in seen:
                    seen.add(w)
                    stack.append(w)
        return everything - total

    truth = indexed_sizes(ig)  # type: ignore[arg-type]
    out: dict[str, object] = {}
    for name, fn, reference in (
        ("closure", closure_size, truth.closure),
        ("added", added_size, truth.added),
    ):
        done = 0
        t0, c0 = time.perf_counter(), time.process_time()
        for v in order:
            if fn(v) != reference[v]:
                raise SystemExit(f"naive {name} size of node {v} disagrees with closurescope")
            done += 1
            if time.perf_counter() - t0 > budget:
                break
        spent = time.perf_counter() - t0
        out[f"{name}_done"] = done
        out[f"{name}_s"] = spent * n / done
        out[f"{name}_cpu"] = (time.process_time() - c0) * n / done
        out[f"{name}_extrapolated"] = done < n
    out["rss_mb"] = peak_rss_mb()
    return out


def child_check_nix(path: Path, nix_output: Path) -> dict[str, object]:
    """Compare every line of ``nix path-info -rsS`` with closurescope's sizes."""
    from closurescope.analysis.sizes import indexed_sizes

    ig = indexed_from_json(path)
    got = indexed_sizes(ig)  # type: ignore[arg-type]
    index = ig.index  # type: ignore[attr-defined]
    lines = mismatches = 0
    for line in nix_output.read_text().splitlines():
        store_path, nar, closure = line.split()
        lines += 1
        i = index[store_path]
        if ig.sizes[i] != int(nar) or got.closure[i] != int(closure):  # type: ignore[attr-defined]
            mismatches += 1
    return {"lines": lines, "mismatches": mismatches}


def nix_peer(file: Path, tmp: Path) -> dict[str, object] | None:
    """Real ``nix path-info -rsS`` on the generated closure, registered in a throw-away chroot
    store with ``nix-store --load-db`` (the registration format: path, hash, size, deriver,
    references); None when Nix is not installed."""
    if shutil.which("nix") is None or shutil.which("nix-store") is None:
        return None
    conf = tmp / "nix-conf"
    conf.mkdir(exist_ok=True)
    (conf / "nix.conf").write_text(
        "experimental-features = nix-command\nsubstituters =\nsandbox = false\n"
        "build-users-group =\n"
    )
    env = {**os.environ, "NIX_CONF_DIR": str(conf), "NIX_USER_CONF_FILES": ""}
    store = tmp / "nix-store"
    lines: list[str] = []
    root = ""
    for d in json.loads(file.read_text()):
        digest = base64.b64decode(d["narHash"].removeprefix("sha256-")).hex()
        refs = d["references"]
        lines += [d["path"], digest, str(d["narSize"]), "", str(len(refs)), *refs]
        if d["path"].endswith("-nixos-system-bench-24.11"):
            root = d["path"]
    subprocess.run(
        ["nix-store", "--store", str(store), "--load-db"],
        input="\n".join(lines) + "\n",
        text=True,
        env=env,
        check=True,
    )
    out = tmp / "nix-path-info-rsS.txt"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    with out.open("w") as sink:
        subprocess.run(
            ["nix", "path-info", "--store", str(store), "-rsS", root],
            stdout=sink,
            env=env,
            check=True,
        )
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    version = subprocess.run(["nix", "--version"], capture_output=True, text=True, env=env)
    check = run_child("check-nix", file, 0.0, str(out))
    return {"wall": wall, "cpu": cpu, "version": version.stdout.strip(), **check}


def run_child(mode: str, path: Path, budget: float, extra: str = "") -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), "--budget", str(budget), extra],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def fmt_s(x: object, cpu: object, extrapolated: object = False) -> str:
    """``wall s (CPU s)``; minutes past 10 minutes."""
    assert isinstance(x, float)
    assert isinstance(cpu, float)
    if x < 600:
        text = f"{x:7.2f} s wall ({cpu:7.2f} s CPU)"
    else:
        text = f"{x / 60:7.1f} min wall ({cpu / 60:7.1f} min CPU)"
    return text + (" extrapolated" if extrapolated else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="closure/added sizes benchmark")
    parser.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--budget", type=float, default=20.0, help="seconds per naive loop")
    parser.add_argument("--small-only", action="store_true", help="only the 12k case")
    parser.add_argument("--no-nix", action="store_true", help="skip the real nix path-info run")
    parser.add_argument("extra", nargs="?", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, file = args.child
        path = Path(file)
        if mode == "closurescope":
            result = child_closurescope(path)
        elif mode == "prep":
            result = child_prep(path, Path(args.extra))
        elif mode == "core":
            result = child_core(path)
        elif mode == "check-nix":
            result = child_check_nix(path, Path(args.extra))
        else:
            result = child_naive(path, args.budget)
        print(json.dumps(result))
        return 0

    from gen_closure import generate

    cases = CASES[:1] if args.small_only else CASES
    print(f"python {sys.version.split()[0]}, {subprocess.getoutput('nproc')} cores")
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        for paths, refs in cases:
            file = Path(tmp) / f"closure-{paths}.json"
            file.write_text(json.dumps(generate(paths, refs), separators=(",", ":")))
            cs = run_child("closurescope", file, args.budget)
            pickled = Path(tmp) / f"indexed-{paths}.pickle"
            run_child("prep", file, args.budget, str(pickled))
            core = run_child("core", pickled, args.budget)
            naive = run_child("naive", file, args.budget)
            if cs["checksum"] != core["checksum"]:
                raise SystemExit("loader path and direct path disagree")
            size = file.stat().st_size
            print(f"\n## {cs['nodes']:,} paths, {cs['edges']:,} references ({size:,} B JSON)")
            print(
                f"closurescope load ({cs['loader']} loader) {fmt_s(cs['load_s'], cs['load_cpu'])}"
                f" + all sizes {fmt_s(cs['sizes_s'], cs['sizes_cpu'])}"
                f"   peak RSS {cs['rss_mb']:7.0f} MiB"
            )
            print(
                "closurescope sizes alone (indexed_sizes) "
                f"{fmt_s(core['sizes_s'], core['sizes_cpu'])}"
                f"   peak RSS {core['rss_mb']:7.0f} MiB"
                f" (of which the integer view alone: {core['rss_before_sizes_mb']:.0f} MiB)"
            )
            print(
                "naive BFS per node, closure sizes  "
                f"{fmt_s(naive['closure_s'], naive['closure_cpu'], naive['closure_extrapolated'])}"
                f"   ({naive['closure_done']:,} nodes measured, all equal)"
            )
            print(
                "naive remove-and-BFS, added sizes  "
                f"{fmt_s(naive['added_s'], naive['added_cpu'], naive['added_extrapolated'])}"
                f"   ({naive['added_done']:,} nodes measured, all equal)"
                f"   peak RSS {naive['rss_mb']:7.0f} MiB"
            )
            if paths <= 20_000 and not args.no_nix:
                peer = nix_peer(file, Path(tmp))
                if peer is None:
                    print("nix path-info -rsS: nix is not installed, skipped")
                else:
                    print(
                        f"{peer['version']}: nix path-info -rsS ROOT "
                        f"{fmt_s(peer['wall'], peer['cpu'])}   ({peer['lines']:,} paths, "
                        f"{peer['mismatches']} differ from closurescope's closure sizes)"
                    )
            elif not args.no_nix:
                print("nix path-info -rsS: not run at this size (hours; see README)")
            print(f"load average now: {os.getloadavg()[0]:.1f}")
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
