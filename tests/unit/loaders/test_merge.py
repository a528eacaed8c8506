"""OCI layer merging: whiteouts, opaque directories, replacements, per-layer changes."""

from __future__ import annotations

import pytest

from closurescope.errors import LoadError
from closurescope.loaders._merge import merge_layers
from closurescope.model import FileEntry, FileKind, FileTreeBuilder


def f(
    path: str, size: int = 1, kind: FileKind = FileKind.FILE, link: str | None = None
) -> FileEntry:
    return FileEntry(path=path, kind=kind, size=size, link_target=link)


def d(path: str) -> FileEntry:
    return FileEntry(path=path, kind=FileKind.DIR, size=0)


def wh(path: str) -> FileEntry:
    return FileEntry(path=path, kind=FileKind.WHITEOUT)


def opq(path: str) -> FileEntry:
    return FileEntry(path=path, kind=FileKind.OPAQUE)


def test_whiteouts_apply_to_lower_layers_only() -> None:
    base = [d("a"), f("a/x"), f("a/y"), f("b")]
    # the layer deletes a/x and re-adds b: whiteouts are applied first, to what is below
    upper = [f("b", 5), wh("a/x"), wh("b")]
    tree, changes = merge_layers([base, upper], where="t")
    assert sorted(tree.entries) == ["a", "a/y", "b"]
    assert tree.entries["b"].size == 5
    assert changes[1].removed == ("a/x",)
    assert changes[1].modified == ("b",)
    assert changes[1].added == ()


def test_opaque_directory_hides_lower_children_keeps_own() -> None:
    base = [d("etc"), f("etc/old1"), d("etc/sub"), f("etc/sub/old2")]
    upper = [d("etc"), opq("etc"), f("etc/new")]
    tree, changes = merge_layers([base, upper], where="t")
    assert sorted(tree.entries) == ["etc", "etc/new"]
    assert changes[1].removed == ("etc/old1", "etc/sub", "etc/sub/old2")
    assert changes[1].added == ("etc/new",)
    assert changes[1].modified == ("etc",)


def test_file_replaces_directory_and_directory_replaces_file() -> None:
    base = [d("x"), f("x/inner"), f("y")]
    upper = [f("x", 3), d("y"), f("y/now")]
    tree, changes = merge_layers([base, upper], where="t")
    assert tree.entries["x"].kind is FileKind.FILE
    assert "x/inner" not in tree
    assert tree.entries["y"].kind is FileKind.DIR
    assert changes[1].removed == ("x/inner",)
    assert changes[1].modified == ("x", "y")
    assert changes[1].added == ("y/now",)


def test_implicit_parents_are_added() -> None:
    tree, changes = merge_layers([[f("usr/lib/libc.so")]], where="t")
    assert changes[0].added == ("usr", "usr/lib", "usr/lib/libc.so")
    assert tree.entries["usr"].kind is FileKind.DIR


def test_hardlink_targets_checked_in_order() -> None:
    ok = [f("bin/a"), f("bin/b", 0, FileKind.HARDLINK, "bin/a")]
    tree, _ = merge_layers([ok], where="t")
    assert tree.entries["bin/b"].link_target == "bin/a"
    below, _ = merge_layers([[f("bin/a")], [f("bin/c", 0, FileKind.HARDLINK, "bin/a")]], where="t")
    assert "bin/c" in below
    with pytest.raises(LoadError, match=r"^t: layer 0: hardlink 'bin/b' points to 'bin/a'"):
        merge_layers([[f("bin/b", 0, FileKind.HARDLINK, "bin/a"), f("bin/a")]], where="t")
    with pytest.raises(LoadError, match="points to a directory"):
        merge_layers([[d("dir"), f("h", 0, FileKind.HARDLINK, "dir")]], where="t")


def test_builder_remove_on_large_trees() -> None:
    builder = FileTreeBuilder()
    for i in range(200):
        for j in range(1000):
            builder.add(f(f"d{i:03d}/f{j:04d}"))
    for i in range(200):
        builder.remove(f"d{i:03d}/f0000")  # 200 single removals in a 200,200-entry tree
    removed = builder.remove("d000")
    assert len(removed) == 1 + 999
    assert len(builder) == 200 * 1000 + 200 - 200 - 1000
    tree = builder.build()
    assert tree.children("d001")[0] == "d001/f0001"
