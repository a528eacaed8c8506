"""Symlink loops, the dereferenced-copy estimate (checked against real rsync / cp), dangling links.

Loop trees are built at test time in tmp_path; a tree handed to a real copier never contains a
link that climbs out of it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from closurescope.analysis.detectors.symlinks import DETECTOR
from closurescope.analysis.merkle import index_tree
from closurescope.analysis.symlinks import dereferenced_size, find_dangling, find_loops
from closurescope.config import Settings
from closurescope.loaders import load
from closurescope.model import (
    MAX_SYMLINK_HOPS,
    Closure,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTree,
    FileTreeBuilder,
    Resolution,
    Source,
)

from ...conftest import SAMPLES, have
from .hostfs import tree_from_dir

needs_rsync = pytest.mark.skipif(not have("rsync"), reason="rsync is not installed")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _file_bytes(root: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if not os.path.islink(os.path.join(dirpath, name)):
                total += st.st_size
    return total


def _rsync_k(src: Path, dst: Path) -> subprocess.CompletedProcess[bytes]:
    # -k follows symlinks to directories like dockerTools' `rsync -ak`; exit 23 = partial
    # transfer (the ELOOP at the 41st link), which is exactly the behaviour measured.
    return subprocess.run(
        ["rsync", "-ak", f"{src}/", f"{dst}/"], capture_output=True, timeout=120, check=False
    )


def _tz_like(root: Path) -> int:
    """A small zoneinfo-like directory with the historic ``posix -> .`` loop; returns its bytes."""
    _write(root / "zoneinfo" / "UTC", b"TZif2" + b"\0" * 113)
    _write(root / "zoneinfo" / "Europe" / "Paris", b"TZif2" + b"P" * 2957)
    _write(root / "zoneinfo" / "Europe" / "Berlin", b"TZif2" + b"B" * 2293)
    _write(root / "zoneinfo" / "zone.tab", b"FR\t+4852+00220\tEurope/Paris\n")
    os.symlink(".", root / "zoneinfo" / "posix")
    return _file_bytes(root / "zoneinfo")


def _closure(tree: FileTree) -> Closure:
    return Closure(
        source=Source(path="t", format="test"), graph=DepGraphBuilder().build(), files=tree
    )


def test_self_loop_found_with_forty_levels_formula(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    tree = tree_from_dir(src)
    (loop,) = find_loops(tree, index_tree(tree))
    assert loop.link == "zoneinfo/posix"
    assert loop.kind == "ancestor"
    assert loop.resolved == "zoneinfo"
    assert loop.cycle == ("zoneinfo/posix",)
    assert loop.levels == MAX_SYMLINK_HOPS == 40
    assert loop.materialised == size * MAX_SYMLINK_HOPS


@pytest.mark.needs_tools
@needs_rsync
def test_self_loop_estimate_equals_real_rsync_ak(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    dst = tmp_path / "dst"
    proc = _rsync_k(src, dst)
    assert proc.returncode == 23, proc.stderr
    assert b"Too many levels of symbolic links" in proc.stderr
    written = _file_bytes(dst)
    tree = tree_from_dir(src)
    index = index_tree(tree)
    (loop,) = find_loops(tree, index)
    # rsync writes the original level plus 40 nested copies, then hits ELOOP at the 41st.
    assert written == size + loop.materialised == size * 41
    assert dereferenced_size(tree, index) == written
    # the 41st level exists as an empty directory
    deepest = dst / "zoneinfo" / "/".join(["posix"] * 41)
    assert deepest.is_dir()
    assert not any(deepest.iterdir())


def test_cp_rl_refuses_cyclic_link(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    dst = tmp_path / "dst"
    proc = subprocess.run(
        ["cp", "-rL", str(src / "zoneinfo"), str(dst)], capture_output=True, check=False
    )
    assert proc.returncode != 0
    assert b"cyclic" in proc.stderr
    assert _file_bytes(dst) == size


@pytest.mark.needs_tools
@needs_rsync
def test_ancestor_and_two_link_cycles_match_rsync(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _write(src / "d" / "top.bin", b"t" * 1000)
    _write(src / "d" / "a" / "b" / "leaf", b"l" * 10)
    os.symlink("../..", src / "d" / "a" / "b" / "up")  # target: d, an ancestor
    _write(src / "x" / "fx", b"x" * 7)
    _write(src / "y" / "fy", b"y" * 3)
    os.makedirs(src / "x" / "in")
    os.symlink("../../y", src / "x" / "in" / "toy")
    os.symlink("../x", src / "y" / "tox")
    os.symlink("zz", src / "zz")  # ELOOP on itself
    _write(src / "plain" / "p", b"p" * 5)
    os.symlink("plain", src / "dirlink")  # an ordinary dirlink: copied once, no loop
    tree = tree_from_dir(src)
    index = index_tree(tree)
    loops = {lp.link: lp for lp in find_loops(tree, index)}
    assert set(loops) == {"d/a/b/up", "x/in/toy", "y/tox", "zz"}
    assert loops["d/a/b/up"].kind == "ancestor"
    assert loops["d/a/b/up"].materialised == 1010 * 40
    assert loops["x/in/toy"].kind == "cycle"
    assert loops["x/in/toy"].cycle == ("x/in/toy", "y/tox")
    assert loops["zz"].kind == "eloop"
    assert loops["zz"].materialised == 0
    dst = tmp_path / "dst"
    proc = _rsync_k(src, dst)
    assert proc.returncode == 23
    assert dereferenced_size(tree, index) == _file_bytes(dst)


def test_resolve_is_bounded_and_reports_loops() -> None:
    b = FileTreeBuilder()
    b.add(FileEntry(path="a", kind=FileKind.SYMLINK, link_target="b"))
    b.add(FileEntry(path="b", kind=FileKind.SYMLINK, link_target="a"))
    b.add(FileEntry(path="self", kind=FileKind.SYMLINK, link_target="./self"))
    for i in range(60):  # a chain longer than the kernel allows, but not a cycle
        b.add(FileEntry(path=f"c{i}", kind=FileKind.SYMLINK, link_target=f"c{i + 1}"))
    b.add(FileEntry(path="c60", kind=FileKind.FILE, size=1))
    tree = b.build()
    for path in ("a", "b", "self", "c0"):
        res = tree.resolve(path)
        assert res.status is Resolution.LOOP
        assert res.hops == MAX_SYMLINK_HOPS + 1
    assert tree.resolve("c30").status is Resolution.OK
    loops = {lp.link for lp in find_loops(tree, index_tree(tree))}
    assert {"a", "b", "self", "c0"} <= loops


def test_dangling_links_skip_runtime_mounts(tmp_path: Path) -> None:
    root = tmp_path / "r"
    _write(root / "etc" / "os-release", b"ID=test\n")
    _write(root / "usr" / "bin" / "tool", b"#!/bin/sh\n")
    os.makedirs(root / "proc")
    os.symlink("../proc/self/mounts", root / "etc" / "mtab")
    os.symlink("/dev/null", root / "etc" / "null")
    os.symlink("/run/systemd/resolve/stub-resolv.conf", root / "etc" / "resolv.conf")
    os.symlink("/usr/bin/tool", root / "etc" / "ok-abs")
    os.symlink("../usr/bin/tool", root / "etc" / "ok-rel")
    os.symlink("/usr/bin/missing", root / "etc" / "gone")
    os.symlink("../../../../outside", root / "etc" / "escape")
    os.symlink("/etc/os-release/x", root / "etc" / "through-file")
    tree = tree_from_dir(root)
    found = {d.link: d for d in find_dangling(tree)}
    assert set(found) == {"etc/gone", "etc/escape", "etc/through-file"}
    assert found["etc/gone"].status == "dangling"
    assert found["etc/gone"].missing == "usr/bin/missing"
    assert found["etc/escape"].status == "dangling"
    assert found["etc/through-file"].status == "not-a-directory"
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings())
    cs206 = sorted(f.subjects[0] for f in findings if f.rule_id == "CS206")
    assert cs206 == ["etc/escape", "etc/gone", "etc/through-file"]
    assert all(f.saving is None for f in findings)


def test_escaping_link_that_lands_inside_is_reported() -> None:
    b = FileTreeBuilder()
    b.add(FileEntry(path="usr/lib/x", kind=FileKind.FILE, size=1))
    b.add(FileEntry(path="usr/l", kind=FileKind.SYMLINK, link_target="../../../usr/lib"))
    (d,) = find_dangling(b.build())
    assert (d.link, d.status, d.missing) == ("usr/l", "escapes", "usr/lib")


def test_detector_reports_loop_with_estimate_and_no_saving(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    findings, results = DETECTOR.run(_closure(tree_from_dir(src)), {}, Settings())
    assert results == ()
    (f,) = [f for f in findings if f.rule_id == "CS201"]
    assert f.subjects == ("zoneinfo/posix",)
    assert f.saving is None
    assert any(f"writes {size * 40} bytes" in e for e in f.evidence)
    assert f.fix is not None
    assert "keepContentsDirlinks" in f.fix.text
    quiet = Settings(disabled_rules=frozenset({"CS201"}))
    assert not list(DETECTOR.run(_closure(tree_from_dir(src)), {}, quiet)[0])
    ignored = Settings(ignore_paths=("zoneinfo/*",))
    assert not DETECTOR.run(_closure(tree_from_dir(src)), {}, ignored)[0]


APP_FULL = SAMPLES / "nix" / "images" / "app-full.docker.tar"


def test_nix_image_sample_with_the_historic_tzdata_loop() -> None:
    if not APP_FULL.is_file():
        pytest.skip("sample-closures/nix/images/app-full.docker.tar is not built")
    closure = load(str(APP_FULL))
    tree = closure.files
    assert tree is not None
    findings, _ = DETECTOR.run(closure, {}, Settings())
    (loop,) = [f for f in findings if f.rule_id == "CS201"]
    link = loop.subjects[0]
    assert link.startswith("nix/store/")
    assert link.endswith("-tzdata-2024a/share/zoneinfo/posix")
    zoneinfo = link.rsplit("/", 1)[0]
    assert tree.resolve(link).path == zoneinfo
    expected = 40 * tree.total_size(zoneinfo)
    assert f"writes {expected} bytes" in loop.evidence[1]


def _brute_force(tree: FileTree, top: str, hops: int) -> int:
    """Bytes a dereferencing copy writes, by literally walking every path (small hops only)."""
    total = 0
    for child in tree.children(top):
        entry = tree.get(child)
        assert entry is not None
        if entry.kind is FileKind.FILE:
            total += entry.size
        elif entry.kind is FileKind.DIR:
            total += _brute_force(tree, child, hops)
        elif entry.kind is FileKind.SYMLINK:
            res = tree.resolve(child)
            target = tree.get(res.path) if res.path else None
            is_dir = res.path == "" or (target is not None and target.kind is FileKind.DIR)
            if res.status is Resolution.OK and is_dir and max(res.hops, 1) <= hops:
                total += _brute_force(tree, res.path, hops - max(res.hops, 1))
    return total


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_dereferenced_size_equals_a_literal_walk(data: st.DataObject) -> None:
    dirs = ["d0", "d0/d1", "d0/d1/d2", "e0", "e0/e1"]
    b = FileTreeBuilder()
    for d in dirs:
        b.add(FileEntry(path=d, kind=FileKind.DIR, mode=0o755))
    for i, d in enumerate(dirs):
        size = data.draw(st.integers(0, 50), label=f"size{i}")
        b.add(FileEntry(path=f"{d}/f", kind=FileKind.FILE, size=size))
    n_links = data.draw(st.integers(0, 4), label="links")
    for i in range(n_links):
        where = data.draw(st.sampled_from(["", *dirs]), label=f"where{i}")
        target = data.draw(
            st.sampled_from([".", "..", "../..", "/d0", "/e0/e1", "d1", "missing", f"l{i}"]),
            label=f"target{i}",
        )
        b.add(
            FileEntry(
                path=f"{where}/l{i}" if where else f"l{i}",
                kind=FileKind.SYMLINK,
                link_target=target,
            )
        )
    tree = b.build()
    index = index_tree(tree)
    hops = data.draw(st.integers(0, 3), label="hops")
    assert dereferenced_size(tree, index, "", hops) == _brute_force(tree, "", hops)
