"""Duplicate files and trees on a real Debian rootfs: closurescope vs jdupes, rmlint, du.

    .venv/bin/python benchmarks/bench_dupes.py [--root DIR] [--repeat 3]

Without ``--root`` it uses (and builds once, with ``debootstrap --variant=minbase bookworm``)
``benchmarks/_work/minbase-bookworm`` (gitignored). Each tool runs in its own process, after
one warm-up run of ``du`` so every tool sees a warm page cache; the best of ``--repeat`` runs
is reported, as wall time and CPU time (user + sys of the child; the machine is shared, so
CPU is the steadier number).

- closurescope: ``closurescope.loaders.load(dir)`` (the rootfs loader: lstat walk, size →
  4 KiB partial hash → full hash, plus the loader's package/Nix/etc scanners) and the
  duplicate-file + Merkle duplicate-tree detection (``duplicate_files``, ``index_tree``,
  ``duplicate_trees``); the detection alone is timed too;
- the duplicate pipeline only: the rootfs loader's ``walk_rootfs`` + ``read_contents``
  (no package/etc scanners) + the same detection, in a fresh process (and in-process time);
- ``python -c pass`` (interpreter start-up, part of every closurescope row);
- ``jdupes -r -q DIR`` (duplicate files);
- ``rmlint -T df,dd -D -j --hidden -L DIR -o json:…`` (duplicate files and directories);
- ``du -sb DIR`` (the walk floor: an lstat of every entry, no reading).

Then it checks the answers agree: file groups equal jdupes' (with hardlink names added, see
tests/unit/analysis/test_peers_dupes.py), and trees equal rmlint ``-D -j``'s after the
documented empty-file projection.
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

from closurescope.analysis.dupe_trees import duplicate_trees  # noqa: E402
from closurescope.analysis.dupes import duplicate_files  # noqa: E402
from closurescope.analysis.merkle import DirIndex, index_tree, path_key  # noqa: E402
from closurescope.loaders import load  # noqa: E402
from closurescope.model import FileKind, FileTree  # noqa: E402

DEFAULT_ROOT = HERE / "_work" / "minbase-bookworm"

CHILD = r"""
import sys, time, json
sys.path.insert(0, {root!r})
t0 = time.perf_counter(); c0 = time.process_time()
from closurescope.loaders import load
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
closure = load({target!r})
t1 = time.perf_counter(); c1 = time.process_time()
tree = closure.files
groups = duplicate_files(tree)
trees = duplicate_trees(tree, index_tree(tree))
t2 = time.perf_counter(); c2 = time.process_time()
print(json.dumps({{"entries": len(tree), "groups": len(groups), "trees": len(trees),
    "load_wall": t1 - t0, "load_cpu": c1 - c0, "detect_wall": t2 - t1, "detect_cpu": c2 - c1}}))
"""

CHILD_CORE = r"""
import sys, time, json
from pathlib import Path
sys.path.insert(0, {root!r})
t0 = time.perf_counter(); c0 = time.process_time()
from closurescope.loaders.rootfs import read_contents, walk_rootfs
from closurescope.model import FileEntry, FileTreeBuilder
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
root = Path({target!r})
entries, _ = walk_rootfs(root, "bench")
digests, _ = read_contents(root, entries, (), "bench")
b = FileTreeBuilder()
for e in entries:
    d = digests.get(e.path)
    b.add(e if d is None else FileEntry(path=e.path, kind=e.kind, size=e.size, mode=e.mode,
                                        uid=e.uid, gid=e.gid, digest=d))
tree = b.build()
groups = duplicate_files(tree)
trees = duplicate_trees(tree, index_tree(tree))
t1 = time.perf_counter(); c1 = time.process_time()
print(json.dumps({{"wall": t1 - t0, "cpu": c1 - c0, "groups": len(groups), "trees": len(trees)}}))
"""


def _timed(cmd: list[str], cwd: Path | None = None) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 23):
        raise SystemExit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr[:500]}")
    return wall, cpu, proc.stdout


def _best(runs: list[tuple[float, float, str]]) -> tuple[float, float, str]:
    return min(runs, key=lambda r: r[1])


def _ours_with_hardlink_names(tree: FileTree) -> set[frozenset[str]]:
    names: dict[str, list[str]] = collections.defaultdict(list)
    for entry in tree.walk():
        if entry.kind is FileKind.HARDLINK and entry.link_target:
            names[entry.link_target].append(entry.path)
    return {
        frozenset(p for path in g.paths for p in (path, *names.get(path, ())))
        for g in duplicate_files(tree)
    }


def _project_without_empty(tree: FileTree, index: DirIndex) -> set[frozenset[str]]:
    out: set[frozenset[str]] = set()
    for group in duplicate_trees(tree, index, symlink_only=True):
        members = sorted({group.keep, *group.paths}, key=path_key)
        stack = [""]
        while stack:
            rel = stack.pop()
            here = [f"{m}/{rel}" if rel else m for m in members]
            if index.bytes[here[0]] == 0 and index.links[here[0]] == 0:
                continue
            if not any(e.kind is FileKind.FILE and e.size == 0 for e in tree.walk(here[0])):
                out.add(frozenset(here))
                continue
            for child in tree.children(here[0]):
                entry = tree.get(child)
                if entry is not None and entry.kind is FileKind.DIR:
                    stack.append(f"{rel}/{entry.name}" if rel else entry.name)
    return out


def _ensure_minbase(root: Path) -> None:
    if root.is_dir() and any(root.iterdir()):
        return
    if shutil.which("debootstrap") is None:
        raise SystemExit("debootstrap is missing (apt-get install debootstrap) or pass --root")
    root.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["debootstrap", "--variant=minbase", "bookworm", str(root)], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    root: Path = args.root.resolve()
    if root == DEFAULT_ROOT.resolve():
        _ensure_minbase(root)
    for tool in ("jdupes", "rmlint", "du"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed")
    _timed(["du", "-sb", str(root)])  # warm the page cache
    rows: dict[str, tuple[float, float]] = {}
    child = CHILD.format(root=str(ROOT), target=str(root))
    runs = [_timed([sys.executable, "-c", child]) for _ in range(args.repeat)]
    wall, cpu, out = _best(runs)
    info = json.loads(out)
    rows["closurescope load + detect"] = (wall, cpu)
    rows["  of which: rootfs loader"] = (info["load_wall"], info["load_cpu"])
    rows["  of which: duplicate files + trees"] = (info["detect_wall"], info["detect_cpu"])
    core = _best(
        [
            _timed([sys.executable, "-c", CHILD_CORE.format(root=str(ROOT), target=str(root))])
            for _ in range(args.repeat)
        ]
    )
    rows["closurescope dupes pipeline only (process)"] = core[:2]
    core_info = json.loads(core[2])
    rows["  of which: in-process walk + hash + detect"] = (core_info["wall"], core_info["cpu"])
    py = _best([_timed([sys.executable, "-c", "pass"]) for _ in range(args.repeat)])
    rows["python start-up alone"] = py[:2]
    jd = _best([_timed(["jdupes", "-r", "-q", str(root)]) for _ in range(args.repeat)])
    rows["jdupes -r"] = jd[:2]
    with tempfile.TemporaryDirectory() as tmp:
        rm_runs = []
        for _ in range(args.repeat):
            rm_runs.append(
                _timed(
                    [
                        "rmlint",
                        "-T",
                        "df,dd",
                        "-D",
                        "-j",
                        "--hidden",
                        "-L",
                        str(root),
                        "-o",
                        f"json:{tmp}/rmlint.json",
                    ],
                    cwd=Path(tmp),
                )
            )
        rows["rmlint -D -j"] = _best(rm_runs)[:2]
        records = json.loads(Path(tmp, "rmlint.json").read_text())
    du = _best([_timed(["du", "-sb", str(root)]) for _ in range(args.repeat)])
    rows["du -sb (walk floor)"] = du[:2]

    # agreement, on a tree loaded in this process
    tree = load(str(root)).files
    assert tree is not None
    jd_groups = {
        frozenset(os.path.relpath(p, root) for p in block.splitlines() if p)
        for block in jd[2].strip().split("\n\n")
        if block.strip()
    }
    files_agree = _ours_with_hardlink_names(tree) == jd_groups
    rm_dirs: dict[str, set[str]] = collections.defaultdict(set)
    for rec in records:
        if rec.get("type") == "duplicate_dir":
            rm_dirs[rec["checksum"]].add(os.path.relpath(rec["path"], root))
    trees_agree = _project_without_empty(tree, index_tree(tree)) == {
        frozenset(v) for v in rm_dirs.values()
    }

    print(f"root: {root}: {info['entries']:,} entries, {info['groups']} duplicate-file groups,")
    print(f"{info['trees']} duplicate-tree groups; python {sys.version.split()[0]}")
    print(f"{'what':44} {'wall s':>8} {'cpu s':>8} {'cpu/jdupes':>11} {'cpu/rmlint':>11}")
    for name, (w, c) in rows.items():
        rj = c / rows["jdupes -r"][1] if rows["jdupes -r"][1] else float("nan")
        rr = c / rows["rmlint -D -j"][1] if rows["rmlint -D -j"][1] else float("nan")
        print(f"{name:44} {w:8.3f} {c:8.3f} {rj:10.2f}x {rr:10.2f}x")
    print(f"duplicate files agree with jdupes: {files_agree}")
    print(f"duplicate trees agree with rmlint -D -j (empty-file projection): {trees_agree}")
    return 0 if files_agree and trees_agree else 1


if __name__ == "__main__":
    raise SystemExit(main())
