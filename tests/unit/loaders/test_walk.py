"""The lean directory walk of ``closurescope dupes`` against the rootfs loader."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from closurescope.analysis.dupe_trees import duplicate_trees
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.loaders import load
from closurescope.loaders._walk import PARTIAL, WHOLE, files_tree, walk
from closurescope.model import FileEntry, FileKind, FileTree
from closurescope.model.files import entries_from_rows

from ...conftest import ROOT

MINBASE = ROOT / "benchmarks" / "_work" / "minbase-bookworm"


def _tree(root: Path) -> Path:
    head = os.urandom(PARTIAL)
    (root / "big").mkdir(parents=True)
    (root / "big/a").write_bytes(head + os.urandom(WHOLE))  # same size and first 4 KiB …
    (root / "big/b").write_bytes(head + os.urandom(WHOLE))  # … different after: no twin
    shutil.copy(root / "big/a", root / "big/a-copy")
    (root / "big/c").write_bytes(os.urandom(PARTIAL) + os.urandom(WHOLE))  # differs at once
    (root / "small").mkdir()
    (root / "small/x").write_bytes(b"x" * 100)
    (root / "small/y").write_bytes(b"y" * 100)  # same size, other content
    (root / "small/x-copy").write_bytes(b"x" * 100)
    (root / "small/unique-size").write_bytes(b"z" * 77)
    os.link(root / "small/x", root / "small/x-hard")
    os.symlink("../big", root / "small/dirlink")
    (root / "empty").mkdir()
    return root


def _same_but_digests(lean: FileTree, full: FileTree) -> None:
    assert list(lean.entries) == list(full.entries)  # the same walk order
    for path, entry in full.entries.items():
        other = lean.get(path)
        assert other is not None
        assert (other.kind, other.size, other.mode, other.link_target) == (
            entry.kind,
            entry.size,
            entry.mode,
            entry.link_target,
        ), path
        if entry.digest is not None:  # the loader's digests are a subset of the lean walk's
            assert other.digest == entry.digest, path
        assert lean.children(path) == full.children(path)
    assert duplicate_files(lean) == duplicate_files(full)
    assert duplicate_trees(lean, index_tree(lean)) == duplicate_trees(full, index_tree(full))


def test_files_tree_equals_the_rootfs_loader(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root")
    lean, notes = files_tree(root, "t")
    full = load(str(root)).files
    assert full is not None
    assert notes == []
    _same_but_digests(lean, full)
    digests = {p for p, e in lean.entries.items() if e.digest is not None}
    # read: small files sharing their size, whole; never the one whose size is unique
    # big/b shares size and first 4 KiB with big/a: read whole; big/c differs at once
    assert digests == {"big/a", "big/a-copy", "big/b", "small/x", "small/x-copy", "small/y"}
    assert lean.get("small/x-hard") == FileEntry(
        path="small/x-hard",
        kind=FileKind.HARDLINK,
        mode=lean.entries["small/x-hard"].mode,
        link_target="small/x",
    )
    groups = duplicate_files(lean)
    assert [g.paths for g in groups] == [("big/a", "big/a-copy"), ("small/x", "small/x-copy")]


@pytest.mark.skipif(not MINBASE.is_dir(), reason="run `make minbase` to build the rootfs")
def test_files_tree_equals_the_rootfs_loader_on_minbase() -> None:
    lean, _ = files_tree(MINBASE, "minbase")
    full = load(str(MINBASE)).files
    assert full is not None
    _same_but_digests(lean, full)


def test_rows_become_the_same_entries_as_the_constructor(tmp_path: Path) -> None:
    found = walk(_tree(tmp_path / "root"), "t")
    rows = [(*row, f"d{i}" if i % 2 else None) for i, row in enumerate(found.rows)]
    fast = entries_from_rows(rows)
    slow = {
        p: FileEntry(path=p, kind=k, size=s, mode=m, uid=u, gid=g, link_target=lt, digest=d)
        for p, k, s, m, u, g, lt, d in rows
    }
    assert fast == slow
    assert list(fast) == list(slow)
    entry = next(iter(fast.values()))
    with pytest.raises(AttributeError):
        entry.size = 1  # type: ignore[misc]  # still frozen


def test_progress_hears_the_walk_then_the_hashing(tmp_path: Path) -> None:
    root = _tree(tmp_path / "root")
    calls: list[tuple[int, int | None]] = []
    tree, _ = files_tree(root, "t", lambda done, total: calls.append((done, total)))
    walked = [done for done, total in calls if total is None]
    hashed = [(done, total) for done, total in calls if total is not None]
    assert walked == sorted(walked)
    assert walked[-1] == sum(e.size for e in tree.entries.values() if e.kind is FileKind.FILE)
    twins = 4 * (PARTIAL + WHOLE) + 3 * 100  # size twins: big/a, a-copy, b, c; small/x, x-copy, y
    assert hashed[-1] == (twins, twins)
    assert [d for d, _ in hashed] == sorted(d for d, _ in hashed)


def test_a_file_that_cannot_be_read_is_a_note_and_has_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from closurescope.loaders import _walk as module

    root = _tree(tmp_path / "root")
    real = module._open

    def failing(path: str) -> int:
        if path.endswith("small/x-copy"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(module, "_open", failing)
    tree, notes = files_tree(root, "t")
    assert notes == ["t: cannot read small/x-copy: Permission denied"]
    assert tree.entries["small/x-copy"].digest is None
    assert [g.paths for g in duplicate_files(tree)] == [("big/a", "big/a-copy")]
