"""Duplicate files (CS204) on real trees built in tmp_path and hashed by the test helper."""

from __future__ import annotations

import os
from pathlib import Path

import xxhash

from closurescope.analysis.detectors.duplicates import DETECTOR
from closurescope.analysis.dupes import duplicate_files
from closurescope.config import Settings
from closurescope.model import (
    Closure,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTree,
    FileTreeBuilder,
    Source,
)

from .hostfs import tree_from_dir


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _closure(tree: FileTree) -> Closure:
    return Closure(
        source=Source(path="t", format="test"), graph=DepGraphBuilder().build(), files=tree
    )


def _sample(root: Path) -> None:
    big = os.urandom(50_000)
    small = b"same small content\n"
    _write(root / "usr/share/doc/a/LICENSE", big)
    _write(root / "usr/share/doc/b/LICENSE", big)
    _write(root / "opt/vendor/LICENSE.txt", big)
    _write(root / "etc/one", small)
    _write(root / "etc/two", small)
    _write(root / "empty1", b"")
    _write(root / "empty2", b"")
    _write(root / "unique", b"only me, 22 bytes....!")
    _write(root / "samesize1", b"A" * 30)
    _write(root / "samesize2", b"B" * 30)
    os.link(root / "etc/one", root / "etc/one-hardlink")
    os.symlink("one", root / "etc/one-symlink")


def test_groups_sizes_and_order(tmp_path: Path) -> None:
    _sample(tmp_path)
    tree = tree_from_dir(tmp_path)
    groups = duplicate_files(tree)
    assert [g.paths for g in groups] == [
        ("opt/vendor/LICENSE.txt", "usr/share/doc/a/LICENSE", "usr/share/doc/b/LICENSE"),
        ("etc/one", "etc/two"),
    ]
    first, second = groups
    assert first.copies == 3
    assert first.reclaimable == 2 * 50_000
    assert first.redundant == ("usr/share/doc/a/LICENSE", "usr/share/doc/b/LICENSE")
    assert first.digest == xxhash.xxh3_128_hexdigest(
        (tmp_path / "opt/vendor/LICENSE.txt").read_bytes()
    )
    assert second.reclaimable == len(b"same small content\n")


def test_hardlinks_empty_files_symlinks_and_unique_sizes(tmp_path: Path) -> None:
    _sample(tmp_path)
    tree = tree_from_dir(tmp_path)
    hard = tree.get("etc/one-hardlink")
    assert hard is not None
    assert hard.kind is FileKind.HARDLINK
    unique = tree.get("unique")
    assert unique is not None
    assert unique.digest is None
    flat = {p for g in duplicate_files(tree) for p in g.paths}
    assert "etc/one-hardlink" not in flat
    assert "etc/one-symlink" not in flat
    assert not {"empty1", "empty2", "unique", "samesize1", "samesize2"} & flat


def test_same_digest_different_size_is_not_a_group() -> None:
    b = FileTreeBuilder()
    b.add(FileEntry(path="a", kind=FileKind.FILE, size=10, digest="d"))
    b.add(FileEntry(path="b", kind=FileKind.FILE, size=11, digest="d"))
    b.add(FileEntry(path="c", kind=FileKind.FILE, size=10, digest=None))
    b.add(FileEntry(path="d", kind=FileKind.FILE, size=10, digest=None))
    assert duplicate_files(b.build()) == ()


def test_across_layers_in_the_merged_tree() -> None:
    b = FileTreeBuilder()
    b.add(FileEntry(path="app/lib.so", kind=FileKind.FILE, size=4096, digest="x", layer=0))
    b.add(FileEntry(path="usr/lib/lib.so", kind=FileKind.FILE, size=4096, digest="x", layer=2))
    b.add(FileEntry(path="usr/lib/other.so", kind=FileKind.FILE, size=100, digest=None, layer=2))
    findings, _ = DETECTOR.run(_closure(b.build()), {}, Settings())
    (f,) = findings
    assert f.rule_id == "CS204"
    assert f.saving == 4096
    assert f.reclaims == frozenset({"usr/lib/lib.so"})
    assert "/usr/lib/lib.so (layer 2)" in f.evidence


def test_ignore_globs_and_disable(tmp_path: Path) -> None:
    _sample(tmp_path)
    tree = tree_from_dir(tmp_path)
    groups = duplicate_files(tree, ignore=("usr/share/doc/*",))
    assert groups[0].paths == ("etc/one", "etc/two")
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings(ignore_paths=("/usr/share/doc/*",)))
    assert {f.subjects for f in findings if f.rule_id == "CS204"} == {("etc/one", "etc/two")}
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings(disabled_rules=frozenset({"CS204"})))
    assert not [f for f in findings if f.rule_id == "CS204"]


def test_files_inside_duplicate_trees_are_left_to_cs205(tmp_path: Path) -> None:
    payload = os.urandom(10_000)
    for top in ("a", "b"):
        _write(tmp_path / top / "pkg" / "data.bin", payload)
        _write(tmp_path / top / "pkg" / "README", b"readme\n")
    _write(tmp_path / "c" / "data-copy.bin", payload)
    _write(tmp_path / "d" / "data-other.bin", payload)
    tree = tree_from_dir(tmp_path)
    assert duplicate_files(tree)[0].copies == 4
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings())
    by_rule = {f.rule_id: f for f in findings}
    assert by_rule["CS205"].reclaims == frozenset({"b"})
    assert len(findings) == 2
    # after removing b/, a/pkg/data.bin, c/… and d/… remain: the file group reports those
    assert by_rule["CS204"].subjects == ("a/pkg/data.bin", "c/data-copy.bin", "d/data-other.bin")
    assert by_rule["CS204"].saving == 20_000


def test_cs2xx_rules_are_registered_and_documented() -> None:
    from closurescope.analysis.detectors import rules

    from ...conftest import ROOT

    catalog = rules()
    doc = (ROOT / "docs" / "reference" / "rules.md").read_text()
    for rule_id, name in [
        ("CS201", "symlink-loop"),
        ("CS202", "materialised-recursion"),
        ("CS203", "materialised-dirlink"),
        ("CS204", "duplicate-files"),
        ("CS205", "duplicate-trees"),
        ("CS206", "dangling-symlink"),
        ("CS207", "duplicate-bytes-over-budget"),
    ]:
        assert catalog[rule_id].name == name
        assert catalog[rule_id].scope == "files"
        assert f"### {rule_id} {name}\n" in doc
