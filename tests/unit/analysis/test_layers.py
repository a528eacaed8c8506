"""dive's layer metrics, to the last digit, on dive's own fixtures and on our samples."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.analysis.detectors.layer_rules import DETECTOR
from closurescope.analysis.layers import layer_metrics
from closurescope.config import Budgets, Settings
from closurescope.loaders import load
from closurescope.model import FileEntry, FileKind, Layer, Status

ROOT = Path(__file__).resolve().parents[3]
DIVE = ROOT.parent / "shared" / "corpus" / "dive"
IMAGES = ROOT / "sample-closures" / "images"


def dive_fixture(name: str) -> Path:
    path = DIVE / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return path


def test_docker_image_matches_dive_test_analysis() -> None:
    # The five figures dive's own Test_Analysis asserts for .data/test-docker-image.tar.
    m = layer_metrics(load(str(dive_fixture("test-docker-image.tar"))).layers)
    assert m.efficiency == 0.9844212134184309
    assert m.size_bytes == 1220598
    assert m.user_size_bytes == 66237
    assert m.wasted_bytes == 32025
    assert m.user_wasted_percent == 0.4834911001404049
    # the list, in dive's printed order (descending; the tie as dive's stable sort leaves it)
    assert [(p.count, p.cumulative_size, p.path) for p in m.inefficient] == [
        (2, 12810, "root/saved.txt"),
        (2, 12810, "root/example/somefile1.txt"),
        (2, 6405, "root/example/somefile3.txt"),
    ]
    # reclaimable: Σ(cum − min) = 6405 + 6405 + 6405
    assert m.reclaimable_bytes == 19215
    assert m.truncated_layers == ()


def test_kaniko_image_figures() -> None:
    # Computed per dive's semantics (dive asserts no figures for this fixture).
    m = layer_metrics(load(str(dive_fixture("test-kaniko-image.tar"))).layers)
    assert m.layer_count == 14
    assert m.efficiency == 0.9793688490216431
    assert m.size_bytes == 1326410
    assert m.user_size_bytes == 94677
    assert m.wasted_bytes == 46245
    assert m.user_wasted_percent == 0.4884502043790995
    assert m.reclaimable_bytes == 27747
    assert [(p.count, p.cumulative_size, p.path) for p in m.inefficient] == [
        (2, 18498, "root/saved.txt"),
        (2, 18498, "root/example/somefile1.txt"),
        (2, 9249, "root/example/somefile3.txt"),
    ]


@pytest.mark.parametrize(
    ("name", "compression"),
    [
        ("test-oci-uncompressed-image.tar", "none"),
        ("test-oci-gzip-image.tar", "gzip"),
        ("test-oci-zstd-image.tar", "zstd"),
        ("test-oci-estargz-image.tar", "estargz"),
    ],
)
def test_single_layer_oci_fixtures(name: str, compression: str) -> None:
    closure = load(str(dive_fixture(name)))
    assert [layer.compression for layer in closure.layers] == [compression]
    m = layer_metrics(closure.layers)
    assert m.efficiency == 1.0
    assert m.size_bytes == 11189
    assert m.user_size_bytes == 0
    assert m.wasted_bytes == 0
    assert math.isnan(m.user_wasted_percent)  # 0/0 in Go is NaN
    assert m.inefficient == ()


def entry(path: str, kind: FileKind = FileKind.FILE, size: int = 0) -> FileEntry:
    return FileEntry(path=path, kind=kind, size=size, tar_size=size)


def layer(index: int, *entries: FileEntry) -> Layer:
    return Layer(index=index, entries=entries, content_size=sum(e.tar_size or 0 for e in entries))


def test_dive_test_efficiency_synthetic_case() -> None:
    # dive's TestEfficiency: /etc/nginx/nginx.conf 2000 then 5000 (implicit dirs), a whiteout
    # of the implicitly created /etc/nginx (sized 0), /etc/athing 3000 and /tmp/nginx/nginx.conf
    # 10000 in the second layer.
    lower = layer(0, entry("etc/nginx/nginx.conf", size=2000))
    upper = layer(
        1,
        entry("etc/nginx/nginx.conf", size=5000),
        entry("etc/athing", size=3000),
        entry("etc/nginx", FileKind.WHITEOUT),
        entry("tmp/nginx/nginx.conf", size=10000),
    )
    m = layer_metrics([lower, upper])
    # (2000 + 3000 + 10000) / (7000 + 3000 + 10000); the whiteout adds 0 to both sides
    assert m.efficiency == 0.75
    assert [(p.path, p.count, p.cumulative_size) for p in m.inefficient] == [
        ("etc/nginx/nginx.conf", 2, 7000)
    ]


def test_whiteout_of_missing_path_skips_rest_of_layer() -> None:
    base = layer(0, entry("a", size=10))
    # ".wh.zzz" targets nothing below and sorts before "a" and "b" ("." < letters): dive
    # stops visiting layer 1 at it, so neither "b" nor the rewrite of "a" is counted.
    upper = layer(1, entry("zzz", FileKind.WHITEOUT), entry("b", size=5), entry("a", size=7))
    m = layer_metrics([base, upper])
    assert m.truncated_layers == (1,)
    assert m.inefficient == ()
    assert m.efficiency == 1.0
    assert m.size_bytes == 22


def test_directory_whiteout_sizes_lower_subtree_only_when_dir() -> None:
    base = layer(0, entry("d", FileKind.DIR), entry("d/x", size=100), entry("f", size=40))
    upper = layer(1, entry("d", FileKind.WHITEOUT), entry("f", FileKind.WHITEOUT))
    m = layer_metrics([base, upper])
    # d: seen once (subtree 100) -> not listed, counts 100/100; f: 40 then 0 -> listed
    assert [(p.path, p.count, p.cumulative_size, p.min_size) for p in m.inefficient] == [
        ("f", 2, 40, 0)
    ]
    assert m.efficiency == (100 + 100 + 0) / (100 + 100 + 40)
    assert m.wasted_bytes == 40
    assert m.reclaimable_bytes == 40
    assert m.inefficient[0].deleted


def test_opaque_whiteout_is_ignored_by_metrics_but_applied_to_the_tree() -> None:
    closure = load(str(IMAGES / "image-oci"))
    assert closure.files is not None
    # the last layer makes usr/share/doc opaque: the merged tree has no manual.txt ...
    assert "usr/share/doc/manual.txt" not in closure.files
    assert "usr/share/doc/README" in closure.files
    assert "usr/share/doc/manual.txt" in closure.layers[5].removed
    # ... while dive's metric ignores the marker, so manual.txt is no waste
    m = layer_metrics(closure.layers)
    assert "usr/share/doc/manual.txt" not in {p.path for p in m.inefficient}
    assert [(p.path, p.count, p.cumulative_size, p.min_size) for p in m.inefficient] == [
        ("tmp/build-cache.bin", 2, 10800, 0),
        ("etc/motd", 2, 54, 13),
        ("opt/app/app.conf", 2, 22, 11),
    ]
    assert m.size_bytes == 23295 + 10841 + 0 + 11 + 3021 + 24
    assert m.wasted_bytes == 10876
    assert m.reclaimable_bytes == 10800 + 41 + 11


def test_same_metrics_from_every_sample_format() -> None:
    figures = {
        name: layer_metrics(load(str(IMAGES / name)).layers)
        for name in ("image-oci", "image.oci-archive.tar", "image.docker.tar")
    }
    assert len({(m.efficiency, m.wasted_bytes, m.size_bytes) for m in figures.values()}) == 1


def test_analyze_puts_metrics_and_detector_gates() -> None:
    closure = load(str(dive_fixture("test-docker-image.tar")))
    settings = Settings(
        budgets=Budgets(min_efficiency=0.95, wasted_bytes=20_000_000, user_wasted_percent=0.5)
    )
    result = analyze(closure, settings)
    assert result.metrics["layers"].wasted_bytes == 32025
    gates = ("CS301", "CS302", "CS303")
    statuses = {r.rule_id: r.status for r in result.rule_results if r.rule_id in gates}
    assert statuses == {"CS301": Status.PASS, "CS302": Status.PASS, "CS303": Status.PASS}
    cs304 = [f for f in result.findings if f.rule_id == "CS304"]
    assert sorted((f.subjects[0], f.saving) for f in cs304) == [
        ("root/example/somefile1.txt", 6405),
        ("root/example/somefile3.txt", 6405),
        ("root/saved.txt", 6405),
    ]
    # lower-layer copies overlap no other finding: their savings add up as they are
    assert all(f.reclaims == frozenset() for f in cs304)
    assert result.metrics["total_saving"] >= sum(f.saving or 0 for f in cs304)


def test_detector_thresholds_are_inclusive_and_strict_beyond() -> None:
    m = layer_metrics(load(str(dive_fixture("test-docker-image.tar"))).layers)
    at = Settings(
        budgets=Budgets(
            min_efficiency=m.efficiency,
            wasted_bytes=m.wasted_bytes,
            user_wasted_percent=m.user_wasted_percent,
        )
    )
    assert {r.status for r in DETECTOR.verdicts(m, at)} == {Status.PASS}
    beyond = Settings(
        budgets=Budgets(
            min_efficiency=0.99, wasted_bytes=m.wasted_bytes - 1, user_wasted_percent=0.48
        )
    )
    assert [r.status for r in DETECTOR.verdicts(m, beyond)] == [Status.FAIL] * 3
    assert DETECTOR.verdicts(m, Settings()) == []


def test_detector_nan_never_fails_and_no_layers_no_results() -> None:
    one = load(str(dive_fixture("test-oci-gzip-image.tar")))
    m = layer_metrics(one.layers)
    res = DETECTOR.verdicts(m, Settings(budgets=Budgets(user_wasted_percent=0.0)))
    assert [r.status for r in res] == [Status.PASS]
    rootfs = load(str(dive_fixture("test-uncompressed-image.tar")))
    assert rootfs.layers == ()
    found, verdicts = DETECTOR.run(rootfs, {}, Settings(budgets=Budgets(min_efficiency=0.9)))
    assert (list(found), list(verdicts)) == ([], [])
    assert "layers" not in analyze(rootfs).metrics


@pytest.mark.parametrize(("explicit", "efficiency", "wasted"), [(True, 0.5, 100), (False, 1.0, 0)])
def test_directory_whiteout_after_an_implicit_parent(
    explicit: bool, efficiency: float, wasted: int
) -> None:
    # layer 0: an empty directory d (a leaf, size 0); layer 1: d/x (100 bytes), with or without
    # its own entry for d; layer 2: deletes d. Without the explicit entry, stacking layer 1
    # blanks d's directory flag, so dive sizes the whiteout 0 instead of 100.
    one = (
        [entry("d", FileKind.DIR), entry("d/x", size=100)] if explicit else [entry("d/x", size=100)]
    )
    m = layer_metrics(
        [
            layer(0, entry("d", FileKind.DIR)),
            layer(1, *one),
            layer(2, entry("d", FileKind.WHITEOUT)),
        ]
    )
    assert m.efficiency == efficiency
    assert m.wasted_bytes == wasted
    assert [(p.path, p.count) for p in m.inefficient] == [("d", 2)]
