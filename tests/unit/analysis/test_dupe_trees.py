"""Duplicate trees (CS205), materialised recursion (CS202) and dirlinks (CS203) on real trees.

Materialisations are made by the real copiers (rsync -ak / -aL) at test time in tmp_path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.analysis.detectors.duplicates import DETECTOR
from closurescope.analysis.dupe_trees import (
    duplicate_trees,
    materialised_dirlinks,
    materialised_recursions,
)
from closurescope.analysis.dupes import duplicate_files
from closurescope.analysis.merkle import index_tree
from closurescope.config import Settings
from closurescope.loaders import load
from closurescope.model import Closure, DepGraphBuilder, FileTree, Source

from ...conftest import SAMPLES, have
from .hostfs import tree_from_dir

needs_rsync = pytest.mark.skipif(not have("rsync"), reason="rsync is not installed")


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _closure(tree: FileTree) -> Closure:
    return Closure(
        source=Source(path="t", format="test"), graph=DepGraphBuilder().build(), files=tree
    )


def _pkg(root: Path, payload: bytes) -> None:
    _write(root / "f1", payload)
    _write(root / "f2", b"second file\n")
    _write(root / "sub" / "f3", payload[:1000])


def test_copies_inside_removed_trees_are_gone_with_them(tmp_path: Path) -> None:
    payload = os.urandom(20_000)
    for top in ("a", "b", "c"):
        _pkg(tmp_path / top / "x", payload)
        _write(tmp_path / top / f"own-{top}", top.encode() * 5)  # a, b, c differ
    _write(tmp_path / "d" / "sub" / "f3", payload[:1000])  # equals a/x/sub …
    _write(tmp_path / "d" / "other", b"d is not x")  # … but d is not x
    tree = tree_from_dir(tmp_path)
    groups = duplicate_trees(tree, index_tree(tree))
    assert [(g.keep, g.paths, g.redundant) for g in groups] == [
        ("a/x", ("a/x", "b/x", "c/x"), ("b/x", "c/x")),
        ("a/x/sub", ("a/x/sub", "d/sub"), ("d/sub",)),  # b/x/sub, c/x/sub go with b/x, c/x
    ]
    x, sub = groups
    assert x.size == 20_000 + 12 + 1000
    assert x.files == 3
    assert x.reclaimable == 2 * x.size
    assert sub.reclaimable == 1000


def test_a_copy_inside_the_kept_tree_can_still_be_redundant(tmp_path: Path) -> None:
    # rmlint -D's case: runtime == lib (one goes), and perl-base exists three times: inside
    # both (the one in the removed tree goes with it) and alone; two survive, one is spare.
    payload = os.urandom(30_000)
    for top in ("opt/runtime", "usr/lib"):
        _pkg(tmp_path / top / "perl-base", payload)
        _write(tmp_path / top / "libc.so", b"libc" * 100)
    _pkg(tmp_path / "opt/perl-base", payload)
    tree = tree_from_dir(tmp_path)
    groups = duplicate_trees(tree, index_tree(tree))
    assert [(g.keep, g.paths, g.redundant) for g in groups] == [
        ("opt/runtime", ("opt/runtime", "usr/lib"), ("usr/lib",)),
        ("opt/perl-base", ("opt/perl-base", "opt/runtime/perl-base"), ("opt/runtime/perl-base",)),
    ]
    runtime, perl = groups
    assert runtime.reclaimable == 30_000 + 12 + 1000 + 400
    assert perl.reclaimable == 30_000 + 12 + 1000
    # the removed trees never overlap, so their bytes add up to what removing them frees
    removed = [p for g in groups for p in g.redundant]
    assert not any(a != b and b.startswith(a + "/") for a in removed for b in removed)


def test_names_and_modes_are_part_of_equality(tmp_path: Path) -> None:
    payload = os.urandom(5000)
    _pkg(tmp_path / "a", payload)
    _pkg(tmp_path / "renamed", payload)
    (tmp_path / "renamed" / "f1").rename(tmp_path / "renamed" / "f1.orig")
    _pkg(tmp_path / "chmodded", payload)
    (tmp_path / "chmodded" / "f2").chmod(0o755)
    _pkg(tmp_path / "twin", payload)
    tree = tree_from_dir(tmp_path)
    groups = duplicate_trees(tree, index_tree(tree))
    # only `twin` equals `a` whole; the sub/ dirs of the others are still equal to a/sub
    assert [(g.keep, g.paths) for g in groups] == [
        ("a", ("a", "twin")),
        ("a/sub", ("a/sub", "chmodded/sub", "renamed/sub")),
    ]


def _tz_like(root: Path) -> int:
    _write(root / "zoneinfo" / "UTC", b"TZif2" + b"\0" * 113)
    _write(root / "zoneinfo" / "Europe" / "Paris", b"TZif2" + b"P" * 2957)
    _write(root / "zoneinfo" / "Europe" / "Berlin", b"TZif2" + b"B" * 2293)
    _write(root / "zoneinfo" / "zone.tab", b"FR\t+4852+00220\tEurope/Paris\n")
    return 118 + 2962 + 2298 + 28


@pytest.mark.needs_tools
@needs_rsync
def test_rsync_materialised_posix_loop_is_one_cs202(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    os.symlink(".", src / "zoneinfo" / "posix")
    img = tmp_path / "img"
    subprocess.run(["rsync", "-ak", f"{src}/", f"{img}/"], capture_output=True, check=False)
    tree = tree_from_dir(img)
    index = index_tree(tree)
    (rec,) = materialised_recursions(tree, index)
    assert (rec.base, rec.name, rec.depth) == ("zoneinfo", "posix", 40)
    assert rec.copy_size == size
    assert rec.reclaimable == 40 * size == index.bytes["zoneinfo/posix"]
    assert rec.reclaims == ("zoneinfo/posix",)
    assert rec.chain[-1] == "zoneinfo/" + "/".join(["posix"] * 40)
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings())
    # the 40 copies of Europe/ and every zone file are explained by this one finding
    assert [f.rule_id for f in findings] == ["CS202"]
    assert findings[0].saving == 40 * size
    assert any("depth: 40" in e for e in findings[0].evidence)


@pytest.mark.needs_tools
@needs_rsync
def test_new_tzdata_layout_copied_with_rsync_al_is_depth_one(tmp_path: Path) -> None:
    src = tmp_path / "src"
    size = _tz_like(src)
    posix = src / "zoneinfo" / "posix"
    posix.mkdir()
    for name in ("UTC", "Europe", "zone.tab"):
        os.symlink(f"../{name}", posix / name)  # nixpkgs tzdata 2025: per-entry links
    clean = tree_from_dir(src)
    assert materialised_recursions(clean, index_tree(clean)) == ()
    img = tmp_path / "img"
    subprocess.run(["rsync", "-aL", f"{src}/", f"{img}/"], capture_output=True, check=True)
    tree = tree_from_dir(img)
    (rec,) = materialised_recursions(tree, index_tree(tree))
    assert (rec.base, rec.depth, rec.reclaimable) == ("zoneinfo", 1, size)


@pytest.mark.needs_tools
@needs_rsync
def test_materialised_dirlink_next_to_its_link(tmp_path: Path) -> None:
    img = tmp_path / "img"
    store = img / "nix" / "store"
    terminfo = store / "aaaa-ncurses" / "share" / "terminfo"
    _write(terminfo / "x" / "xterm", os.urandom(3000))
    _write(terminfo / "v" / "vt100", os.urandom(1500))
    env = store / "bbbb-env" / "share"
    env.mkdir(parents=True)
    os.symlink("../../aaaa-ncurses/share/terminfo", env / "terminfo")
    _write(env / "env-marker", b"the env's own file")
    # dockerTools buildImage copies `contents` to the root with rsync -ak
    subprocess.run(
        ["rsync", "-ak", f"{store}/bbbb-env/", f"{img}/"], capture_output=True, check=True
    )
    tree = tree_from_dir(img)
    (dl,) = materialised_dirlinks(tree, index_tree(tree))
    assert dl.path == "share/terminfo"
    assert dl.target == "nix/store/aaaa-ncurses/share/terminfo"
    assert dl.links == ("nix/store/bbbb-env/share/terminfo",)
    assert (dl.size, dl.files) == (4500, 2)
    findings, _ = DETECTOR.run(_closure(tree), {}, Settings())
    # the duplicate-tree group {target, copy} is explained by CS203 alone; the env's own
    # file was copied too (a plain duplicate file)
    assert [(f.rule_id, f.saving, f.reclaims) for f in findings] == [
        ("CS203", 4500, frozenset({"share/terminfo"})),
        ("CS204", 18, frozenset({"share/env-marker"})),
    ]


TZ_SAMPLE = SAMPLES / "nix" / "images" / "tzdata-rsync-k.docker.tar"


def test_real_tzdata_rsync_k_image_sample() -> None:
    if not TZ_SAMPLE.is_file():
        pytest.skip("sample-closures/nix/images/tzdata-rsync-k.docker.tar is not built")
    closure = load(str(TZ_SAMPLE))
    assert closure.files is not None
    result = analyze(closure)
    (rec,) = [f for f in result.findings if f.rule_id == "CS202"]
    assert rec.subjects == ("share/zoneinfo", "share/zoneinfo/posix")
    assert "depth: 40 nested copies beyond /share/zoneinfo" in rec.evidence
    one_copy = closure.files.total_size("share/zoneinfo") - closure.files.total_size(
        "share/zoneinfo/posix"
    )
    assert rec.saving == 40 * one_copy == closure.files.total_size("share/zoneinfo/posix")
    # the loop link still in the store path predicts exactly what rsync -ak wrote
    (loop,) = [f for f in result.findings if f.rule_id == "CS201"]
    assert loop.subjects[0].endswith("-tzdata-2024a/share/zoneinfo/posix")
    assert f"writes {rec.saving} bytes" in loop.evidence[1]
    assert result.metrics["total_saving"] >= rec.saving


@pytest.mark.needs_tools
@needs_rsync
def test_rootfs_loader_gives_the_same_answers(tmp_path: Path) -> None:
    src = tmp_path / "src"
    _tz_like(src)
    os.symlink(".", src / "zoneinfo" / "posix")
    _pkg(src / "a" / "x", os.urandom(3000))
    _pkg(src / "b" / "x", (src / "a" / "x" / "f1").read_bytes())
    img = tmp_path / "img"
    subprocess.run(["rsync", "-ak", f"{src}/", f"{img}/"], capture_output=True, check=False)
    loaded = load(str(img)).files
    assert loaded is not None
    ours = tree_from_dir(img)
    answers = []
    for tree in (loaded, ours):
        index = index_tree(tree)
        recs = [(r.base, r.depth, r.reclaimable) for r in materialised_recursions(tree, index)]
        groups = [(g.keep, g.redundant, g.size) for g in duplicate_trees(tree, index)]
        files = [g.paths for g in duplicate_files(tree)]
        answers.append((recs, groups, files))
        assert recs == [("zoneinfo", 40, 40 * tree.total_size("zoneinfo") // 41)]
        assert ("a", ("b",), 3000 + 12 + 1000) in groups
    assert answers[0] == answers[1]
