"""Small closures built from the model for the TUI tests (imported by the test modules)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from typing import Any, ParamSpec, TypeVar

from closurescope.analysis.result import AnalysisResult
from closurescope.analysis.sizes import compute_sizes, total_size
from closurescope.model import (
    Closure,
    Component,
    ComponentKind,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Finding,
    Fix,
    Layer,
    NodeId,
    Severity,
    Source,
)

P = ParamSpec("P")

STORE = "/nix/store/"
H = {
    "hello": "0aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "glibc": "1bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "libidn2": "2ccccccccccccccccccccccccccccccc",
    "libunistring": "3ddddddddddddddddddddddddddddddd",
    "gcc-lib": "4fffffffffffffffffffffffffffffff",
    "tzdata": "5ggggggggggggggggggggggggggggggg",
}
NAMES = {
    "hello": "hello-2.12.1",
    "glibc": "glibc-2.39-52",
    "libidn2": "libidn2-2.3.7",
    "libunistring": "libunistring-1.2",
    "gcc-lib": "gcc-13.3.0-lib",
    "tzdata": "tzdata-2024b",
}
SIZES = {
    "hello": 270_000,
    "glibc": 29_000_000,
    "libidn2": 350_000,
    "libunistring": 1_800_000,
    "gcc-lib": 8_000_000,
    "tzdata": 1_500_000,
}
EDGES = [
    ("hello", "glibc"),
    ("hello", "libidn2"),
    ("libidn2", "libunistring"),
    ("libidn2", "glibc"),
    ("libunistring", "glibc"),
    ("glibc", "gcc-lib"),
]


S = TypeVar("S")


def sp(key: str) -> NodeId:
    """The store path of a sample component."""
    return NodeId(f"{STORE}{H[key]}-{NAMES[key]}")


def small_graph_closure(*, with_files: bool = True) -> Closure:
    """A hello-like closure (two roots: hello and tzdata) with an image of two layers."""
    builder = DepGraphBuilder()
    for key in H:
        builder.add(
            Component(
                id=sp(key), kind=ComponentKind.STORE_PATH, name=NAMES[key], self_size=SIZES[key]
            )
        )
    for a, b in EDGES:
        builder.add_reference(sp(a), sp(b))
    builder.add_root(sp("hello"))
    builder.add_root(sp("tzdata"))
    graph = builder.build()
    if not with_files:
        return Closure(source=Source(path="hello.json", format="test"), graph=graph)
    layer0 = [
        FileEntry(path="bin/busybox", kind=FileKind.FILE, size=1_000_000, digest="aa", layer=0),
        FileEntry(path="bin/sh", kind=FileKind.SYMLINK, link_target="busybox", layer=0),
        FileEntry(path="etc/passwd", kind=FileKind.FILE, size=500, digest="p0", layer=0),
        FileEntry(path="etc/big.db", kind=FileKind.FILE, size=4_000_000, digest="db", layer=0),
        FileEntry(path="usr/share/zoneinfo/UTC", kind=FileKind.FILE, size=120, digest="u", layer=0),
        FileEntry(path="usr/share/zoneinfo/posix", kind=FileKind.SYMLINK, link_target=".", layer=0),
        FileEntry(path="loop/a", kind=FileKind.SYMLINK, link_target="b", layer=0),
        FileEntry(path="loop/b", kind=FileKind.SYMLINK, link_target="a", layer=0),
    ]
    layer1 = [
        FileEntry(
            path="app/data/blob.bin", kind=FileKind.FILE, size=3_000_000, digest="bb", layer=1
        ),
        FileEntry(
            path="app/data/blob-copy.bin", kind=FileKind.FILE, size=3_000_000, digest="bb", layer=1
        ),
        FileEntry(path="etc/passwd", kind=FileKind.FILE, size=600, digest="p1", layer=1),
        FileEntry(path="etc/big.db", kind=FileKind.WHITEOUT, layer=1),
    ]
    tree = FileTreeBuilder()
    for e in layer0:
        tree.add(e)
    for e in layer1:
        if e.kind is FileKind.WHITEOUT:
            tree.remove(e.path)
        else:
            tree.add(e)
    layers = (
        Layer(
            index=0,
            digest="sha256:" + "0" * 64,
            created_by="ADD rootfs.tar /",
            content_size=5_000_620,
            uncompressed_size=5_010_000,
            entries=tuple(layer0),
            added=tuple(e.path for e in layer0),
        ),
        Layer(
            index=1,
            digest="sha256:" + "1" * 64,
            created_by="COPY app /app",
            content_size=6_000_600,
            uncompressed_size=6_010_000,
            entries=tuple(layer1),
            added=("app/data/blob.bin", "app/data/blob-copy.bin"),
            modified=("etc/passwd",),
            removed=("etc/big.db",),
        ),
    )
    return Closure(
        source=Source(path="small.tar", format="test"),
        graph=graph,
        files=tree.build(),
        layers=layers,
    )


def small_result(closure: Closure, *, etc: bool = False) -> AnalysisResult:
    """Sizes from the real analysis, plus hand-written findings on a component and a file."""
    findings = (
        Finding(
            rule_id="CS201",
            severity=Severity.WARNING,
            title="duplicate files: app/data/blob.bin",
            subjects=("app/data/blob.bin", "app/data/blob-copy.bin"),
            saving=3_000_000,
            fix=Fix(
                text="keep one copy and hardlink the other",
                snippet="ln -f a b",
                snippet_lang="shell",
            ),
        ),
        Finding(
            rule_id="CS103",
            severity=Severity.ERROR,
            title="build-time component in the runtime closure: gcc-13.3.0-lib",
            subjects=(sp("gcc-lib"),),
            saving=8_000_000,
            evidence=("glibc references it",),
        ),
    )
    metrics: dict[str, object] = {}
    if etc:
        metrics["etc"] = {
            "keep": [
                {"path": "etc/passwd", "reason": "busybox reads users", "size": 600},
            ],
            "drop": [{"path": "etc/big.db", "reason": "nothing reads it", "size": 4_000_000}],
            "saving": 4_000_000,
        }
    return AnalysisResult(
        sizes=compute_sizes(closure.graph),
        total_size=total_size(closure.graph),
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        metrics=metrics,
    )


def sync(fn: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async pilot test with asyncio.run (no async pytest plugin is needed)."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(fn(*args, **kwargs))

    return wrapper


def keys_of(pl: Any) -> list[str]:
    """Every row key of a PathList, in display order."""
    return [pl.rows.row(i).key for i in range(len(pl.rows))]


def screen_of(app: Any, kind: type[S]) -> S:
    """The current screen of a running app, checked to be a ``kind``."""
    screen = app.screen
    assert isinstance(screen, kind)
    return screen
