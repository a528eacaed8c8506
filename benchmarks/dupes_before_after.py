"""Duplicate detection before and after: an older commit's pipeline against this checkout's.

    .venv/bin/python benchmarks/dupes_before_after.py [--before 613b5bf] [--root DIR] [--repeat 8]

The older commit is checked out with ``git worktree`` in a temporary directory (removed at
the end). Its duplicate pipeline is the rootfs loader's ``walk_rootfs`` + ``read_contents``
(no scanners) + ``FileTreeBuilder`` + ``duplicate_files`` / ``index_tree`` /
``duplicate_trees``; this checkout's is ``_walk.files_tree`` + the same three, and
``closurescope dupes DIR``; ``jdupes -r -q`` runs in the same rounds. Every process may cache
bytecode; the first round is a warm-up. Prints the best CPU time (user + sys) of each.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BEFORE = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from closurescope.loaders.rootfs import read_contents, walk_rootfs
from closurescope.model import FileEntry, FileTreeBuilder
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
root = Path(sys.argv[2])
entries, _ = walk_rootfs(root, "bench")
digests, _ = read_contents(root, entries, (), "bench")
builder = FileTreeBuilder()
for e in entries:
    d = digests.get(e.path)
    builder.add(e if d is None else FileEntry(path=e.path, kind=e.kind, size=e.size,
                                              mode=e.mode, uid=e.uid, gid=e.gid, digest=d))
tree = builder.build()
print(len(tree), len(duplicate_files(tree)), len(duplicate_trees(tree, index_tree(tree))))
"""

AFTER = r"""
import sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from closurescope.loaders._walk import files_tree
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.dupe_trees import duplicate_trees
tree, _ = files_tree(Path(sys.argv[2]), "bench")
print(len(tree), len(duplicate_files(tree)), len(duplicate_trees(tree, index_tree(tree))))
"""


def _cpu(cmd: list[str], env: dict[str, str]) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="613b5bf", help="older commit (default 613b5bf)")
    parser.add_argument("--root", type=Path, default=HERE / "_work" / "minbase-copies")
    parser.add_argument("--repeat", type=int, default=8)
    args = parser.parse_args()
    target = str(args.root.resolve())
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    closurescope = str(Path(sys.executable).with_name("closurescope"))
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.before],
            check=True,
        )
        try:
            rows = {
                f"before ({args.before}): walk + hash + builder + detection": [
                    sys.executable,
                    "-c",
                    BEFORE,
                    str(old),
                    target,
                ],
                "after: files_tree + detection": [sys.executable, "-c", AFTER, str(ROOT), target],
                "after: closurescope dupes DIR": [closurescope, "dupes", target, "-o", os.devnull],
                "jdupes -r": ["jdupes", "-r", "-q", target],
            }
            best = dict.fromkeys(rows, float("inf"))
            outs: dict[str, str] = {}
            for round_ in range(args.repeat + 1):
                for name, cmd in rows.items():
                    cpu, outs[name] = _cpu(cmd, env)
                    if round_:
                        best[name] = min(best[name], cpu)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)])
    jd = best["jdupes -r"]
    print(f"{target}; best CPU of {args.repeat}; load average {os.getloadavg()[0]:.2f}")
    for name, cpu in best.items():
        counts = outs[name].split() if name.startswith(("before", "after: files")) else []
        extra = f"  (entries, file groups, tree groups: {' '.join(counts)})" if counts else ""
        print(f"{name:60} {cpu:6.3f} s {cpu / jd:5.2f}x jdupes{extra}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
