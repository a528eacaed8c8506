"""total_saving: every byte once across overlapping findings."""

from __future__ import annotations

import os
from pathlib import Path

from closurescope.analysis import analyze
from closurescope.analysis.savings import total_saving
from closurescope.model import (
    Closure,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Finding,
    Severity,
    Source,
)

from .hostfs import tree_from_dir


def _finding(rule: str, reclaims: set[str], saving: int | None = None) -> Finding:
    return Finding(
        rule_id=rule,
        severity=Severity.INFO,
        title=rule,
        subjects=tuple(sorted(reclaims)),
        saving=saving,
        reclaims=frozenset(reclaims),
    )


def _tree() -> FileTreeBuilder:
    b = FileTreeBuilder()
    b.add(FileEntry(path="a/x/f1", kind=FileKind.FILE, size=1000, digest="1"))
    b.add(FileEntry(path="a/x/f2", kind=FileKind.FILE, size=200, digest="2"))
    b.add(FileEntry(path="b/x/f1", kind=FileKind.FILE, size=1000, digest="1"))
    b.add(FileEntry(path="b/x/f2", kind=FileKind.FILE, size=200, digest="2"))
    b.add(FileEntry(path="b/x/link", kind=FileKind.SYMLINK, link_target="f1"))
    b.add(FileEntry(path="c/f1", kind=FileKind.FILE, size=1000, digest="1"))
    b.add(FileEntry(path="c/hard", kind=FileKind.HARDLINK, link_target="c/f1"))
    b.add(FileEntry(path="nix/store/aaa-foo/lib/libfoo.so", kind=FileKind.FILE, size=300))
    return b


def test_overlapping_findings_count_each_file_once() -> None:
    tree = _tree().build()
    trees = _finding("CS205", {"b/x"}, 1200)
    files = _finding("CS204", {"b/x/f1", "c/f1"}, 2000)
    assert total_saving([trees], tree, {}) == 1200
    assert total_saving([files], tree, {}) == 2000
    assert total_saving([trees, files], tree, {}) == 1200 + 1000
    assert total_saving([files, trees, files], tree, {}) == 2200
    # a hardlink or a symlink frees no content bytes
    assert total_saving([_finding("X", {"c/hard", "b/x/link"})], tree, {}) == 0


def test_components_and_loose_savings() -> None:
    tree = _tree().build()
    sizes: dict[str, int | None] = {
        "/nix/store/aaa-foo": 300,
        "/nix/store/bbb-bar": 4096,
        "/nix/store/ccc-unknown": None,
    }
    comp = _finding("CS103", {"/nix/store/aaa-foo", "/nix/store/bbb-bar", "/nix/store/ccc-unknown"})
    inner = _finding("CS204", {"nix/store/aaa-foo/lib/libfoo.so"}, 300)
    # aaa-foo is a directory of the tree: expanded to its files, counted once with `inner`
    assert total_saving([comp, inner], tree, sizes) == 300 + 4096
    loose = _finding("CS301", set(), 777)
    assert total_saving([comp, loose], tree, sizes) == 300 + 4096 + 777
    assert total_saving([comp], None, sizes) == 300 + 4096
    assert total_saving([], tree, sizes) == 0


def test_analyze_reports_total_saving_metric(tmp_path: Path) -> None:
    payload = os.urandom(8000)
    for top in ("a", "b"):
        (tmp_path / top / "pkg").mkdir(parents=True)
        (tmp_path / top / "pkg" / "data").write_bytes(payload)
        (tmp_path / top / f"own-{top}").write_bytes(top.encode() * 10)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "data-again").write_bytes(payload)
    tree = tree_from_dir(tmp_path)
    closure = Closure(
        source=Source(path=str(tmp_path), format="test"),
        graph=DepGraphBuilder().build(),
        files=tree,
    )
    result = analyze(closure)
    mine = [f for f in result.findings if f.rule_id in {"CS204", "CS205"}]
    assert sorted(f.rule_id for f in mine) == ["CS204", "CS205"]
    # CS205 reclaims b/pkg (8000); CS204 then reclaims c/data-again (8000): no overlap left
    assert sum(f.saving or 0 for f in mine) == 16_000
    assert result.metrics["total_saving"] >= 16_000
    assert result.metrics["total_saving"] == total_saving(result.findings, tree, {})


def test_cs207_duplicate_bytes_budget(tmp_path: Path) -> None:
    from closurescope.config import Budgets, Settings
    from closurescope.model import Status

    payload = os.urandom(5000)
    for top in ("a", "b", "c"):
        (tmp_path / top).mkdir()
        (tmp_path / top / f"copy-in-{top}").write_bytes(payload)  # 3 copies: 10,000 bytes
    closure = Closure(
        source=Source(path=str(tmp_path), format="test"),
        graph=DepGraphBuilder().build(),
        files=tree_from_dir(tmp_path),
    )

    def verdict(budget: int | None) -> tuple[Status, list[Finding]]:
        result = analyze(closure, Settings(budgets=Budgets(duplicate_bytes=budget)))
        (v,) = [r for r in result.rule_results if r.rule_id == "CS207"]
        return v.status, [f for f in result.findings if f.rule_id == "CS207"]

    assert verdict(None) == (Status.SKIP, [])
    assert verdict(10_000) == (Status.PASS, [])
    status, (finding,) = verdict(9_999)
    assert status is Status.FAIL
    assert finding.saving == 10_000
    assert finding.reclaims == frozenset({"b/copy-in-b", "c/copy-in-c"})
