"""Duplicate files and trees on a real Debian rootfs: closurescope vs jdupes, rmlint, du.

    .venv/bin/python benchmarks/bench_dupes.py [--root DIR] [--repeat 5]

Without ``--root`` it uses "minbase plus copies" (``benchmarks/_work/minbase-copies``, made
by ``benchmarks/minbase_copies.sh`` from the Debian minbase rootfs that ``make minbase``
builds with ``debootstrap --variant=minbase bookworm``; both gitignored): the rootfs the
issue names, about 15,000 entries. Every tool runs in its own process; the tools take turns
(round-robin, ``--repeat`` rounds, after one warm-up round that also leaves the
bytecode cache an installed closurescope has) so they see the same machine
state, and each row reports its best wall time and best CPU time (user + sys of the child;
the machine is shared, so CPU is the steadier number).

Rows:

- ``closurescope dupes DIR``: the command, as a user runs it (start-up, walk, hashing of
  size-twin candidates, duplicate files, duplicate trees, materialised recursion and
  dirlinks, each-byte-once total, table output);
- the library pipeline the peers compare with: ``_walk.files_tree`` + ``duplicate_files`` +
  ``index_tree`` + ``duplicate_trees`` in a fresh process;
- the full rootfs loader (``closurescope.loaders.load(dir)``, which also runs the package,
  Nix-store and /etc scanners that ``report`` needs) + the same detection;
- ``python -c pass`` (the interpreter's start-up, part of every closurescope row);
- ``jdupes -r -q DIR`` (duplicate files);
- ``rmlint -T df,dd -D -j --hidden -L DIR -o json:…`` (duplicate files and directories);
- ``du -sb DIR`` (the walk floor: an lstat of every entry, no reading).

Then it checks that the answers agree: file groups equal jdupes' (with hardlink names added)
and directory groups equal rmlint ``-D -j``'s, with the projection in ``tests/peers.py``.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from closurescope.loaders._walk import files_tree  # noqa: E402
from tests.peers import rmlint_dirs, with_hardlink_names  # noqa: E402

MINBASE = HERE / "_work" / "minbase-bookworm"
DEFAULT_ROOT = HERE / "_work" / "minbase-copies"
CLOSURESCOPE = Path(sys.executable).with_name("closurescope")

PIPELINE = r"""
import sys
sys.path.insert(0, {root!r})
from pathlib import Path
from closurescope.loaders._walk import files_tree
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
tree, _ = files_tree(Path({target!r}), "bench")
groups = duplicate_files(tree)
trees = duplicate_trees(tree, index_tree(tree))
print(len(tree), len(groups), len(trees))
"""

FULL_LOADER = r"""
import sys
sys.path.insert(0, {root!r})
from closurescope.loaders import load
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
tree = load({target!r}).files
groups = duplicate_files(tree)
trees = duplicate_trees(tree, index_tree(tree))
print(len(tree), len(groups), len(trees))
"""


CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Children may cache bytecode, as an installed closurescope has it (the warm-up round
writes it): compiling the package on every run would add ~20 ms that users never pay."""


def _timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False, env=CHILD_ENV)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 23):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[:500]}")
    return wall, cpu, proc.stdout


def _ensure_tree(root: Path) -> None:
    if root.is_dir() and any(root.iterdir()):
        return
    if not MINBASE.is_dir():
        raise SystemExit("run `make minbase` first (debootstrap --variant=minbase bookworm)")
    subprocess.run(["sh", str(HERE / "minbase_copies.sh"), str(MINBASE), str(root)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    root: Path = args.root.resolve()
    if root == DEFAULT_ROOT.resolve():
        _ensure_tree(root)
    for tool in ("jdupes", "rmlint", "du"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    target = str(root)
    fmt = {"root": str(ROOT), "target": target}
    with tempfile.TemporaryDirectory() as tmp:
        rm_out = Path(tmp, "rmlint.json")
        tools: dict[str, tuple[list[str], Path | None]] = {
            "closurescope dupes DIR (CLI)": (
                [str(CLOSURESCOPE), "dupes", target, "-o", os.devnull],
                Path(tmp),
            ),
            "  library: walk + hash + files + trees": (
                [sys.executable, "-c", PIPELINE.format(**fmt)],
                None,
            ),
            "  full rootfs loader + files + trees": (
                [sys.executable, "-c", FULL_LOADER.format(**fmt)],
                None,
            ),
            "python start-up alone": ([sys.executable, "-c", "pass"], None),
            "jdupes -r": (["jdupes", "-r", "-q", target], None),
            "rmlint -D -j": (
                [
                    "rmlint",
                    "-T",
                    "df,dd",
                    "-D",
                    "-j",
                    "--hidden",
                    "-L",
                    target,
                    "-o",
                    f"json:{rm_out}",
                ],
                Path(tmp),
            ),
            "du -sb (walk floor)": (["du", "-sb", target], None),
        }
        for cmd, cwd in tools.values():  # warm-up: page cache, bytecode
            _timed(cmd, cwd)
        runs: dict[str, list[tuple[float, float, str]]] = collections.defaultdict(list)
        for _ in range(args.repeat):
            for name, (cmd, cwd) in tools.items():
                runs[name].append(_timed(cmd, cwd))
        records = json.loads(rm_out.read_text())
    best = {name: (min(r[0] for r in rs), min(r[1] for r in rs)) for name, rs in runs.items()}
    jd_out = runs["jdupes -r"][0][2]

    tree, _ = files_tree(root, target)
    jd_groups = {
        frozenset(os.path.relpath(p, root) for p in block.splitlines() if p)
        for block in jd_out.strip().split("\n\n")
        if block.strip()
    }
    ours_files = with_hardlink_names(tree)
    rm_dirs: dict[str, set[str]] = collections.defaultdict(set)
    for rec in records:
        if rec.get("type") == "duplicate_dir":
            rm_dirs[rec["checksum"]].add(os.path.relpath(rec["path"], root))
    theirs_dirs = {frozenset(v) for v in rm_dirs.values()}
    ours_dirs = rmlint_dirs(root, tree)
    files = sum(1 for e in tree.entries.values() if e.kind.value == "file")

    load = os.getloadavg()
    print(f"root: {root}: {len(tree):,} entries, {files:,} files")
    print(f"{len(ours_files):,} duplicate-file groups (jdupes: {len(jd_groups):,}), ")
    print(f"{len(ours_dirs):,} duplicate-directory groups (rmlint -D -j: {len(theirs_dirs):,})")
    print(f"python {sys.version.split()[0]}, best of {args.repeat}, load average {load[0]:.2f}")
    jw, jc = best["jdupes -r"]
    rc = best["rmlint -D -j"][1]
    header = f"{'what':42} {'wall s':>7} {'cpu s':>7} {'cpu/jdupes':>10} {'cpu/rmlint':>10}"
    print(header + f" {'wall/jdupes':>11}")

    def ratio(a: float, b: float) -> str:
        return f"{a / b:9.2f}x" if b else "      n/a"

    for name, (w, c) in best.items():
        cells = f"{ratio(c, jc):>10} {ratio(c, rc):>10} {ratio(w, jw):>11}"
        print(f"{name:42} {w:7.3f} {c:7.3f} {cells}")
    files_agree = ours_files == jd_groups
    dirs_agree = ours_dirs == theirs_dirs
    print(f"duplicate files agree with jdupes: {files_agree}")
    print(f"duplicate directories agree with rmlint -D -j (tests/peers.py): {dirs_agree}")
    return 0 if files_agree and dirs_agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
