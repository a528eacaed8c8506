"""FileTree.with_components: the same entries as ``dataclasses.replace`` would give."""

from __future__ import annotations

import dataclasses

from closurescope.model import FileEntry, FileKind, FileTreeBuilder


def test_with_components_equals_replace_and_keeps_everything_else() -> None:
    # GIVEN a tree with every FileEntry field set on some entry
    builder = FileTreeBuilder()
    app = FileEntry(
        path="usr/bin/app",
        kind=FileKind.FILE,
        size=7,
        mode=0o755,
        uid=3,
        gid=4,
        digest="ab",
        layer=2,
        tar_size=512,
    )
    owned = FileEntry(path="usr/lib/libx.so", kind=FileKind.FILE, size=1, component="pkg-x")
    link = FileEntry(path="usr/lib/liby.so", kind=FileKind.SYMLINK, link_target="libx.so")
    for entry in (app, owned, link):
        builder.add(entry)
    tree = builder.build()
    # WHEN owners name a new owner, the same owner, and a path not in the tree
    owners = {"usr/bin/app": "pkg-app", "usr/lib/libx.so": "pkg-x", "gone": "pkg-gone"}
    out = tree.with_components(owners)
    # THEN changed entries equal dataclasses.replace, unchanged ones are the same objects
    assert out.get("usr/bin/app") == dataclasses.replace(app, component="pkg-app")
    assert out.get("usr/bin/app") is not app
    assert out.get("usr/lib/libx.so") is owned
    assert out.get("usr/lib/liby.so") is link
    assert "gone" not in out
    assert [e.path for e in out] == [e.path for e in tree]
    assert out.children("usr/lib") == tree.children("usr/lib")
    # the input tree is untouched, and the new entry is still frozen and hashable
    assert tree.get("usr/bin/app") is app
    assert hash(out.get("usr/bin/app")) == hash(dataclasses.replace(app, component="pkg-app"))
