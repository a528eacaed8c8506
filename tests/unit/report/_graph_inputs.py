"""Closures for the Graphviz tests, built from the model in a chosen insertion order."""

from __future__ import annotations

import hashlib
import random
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence

from closurescope.model import (
    Closure,
    Component,
    ComponentKind,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Layer,
    NodeId,
    Source,
)
from closurescope.model.component import NIX32_ALPHABET

Spec = Mapping[str, tuple[int | None, Sequence[str]]]


def store_id(name: str) -> NodeId:
    """``hello-2.12`` → ``/nix/store/<deterministic hash>-hello-2.12``."""
    digest = hashlib.sha256(name.encode()).digest()
    return NodeId("/nix/store/" + "".join(NIX32_ALPHABET[b % 32] for b in digest) + "-" + name)


def closure_from(
    spec: Spec,
    roots: Sequence[str],
    *,
    path: str = "hello.json",
    seed: int | None = None,
) -> Closure:
    """A Nix-like closure from ``{name: (self size, [references])}``; ``seed`` shuffles order."""
    names = list(spec)
    edges = [(a, b) for a in spec for b in spec[a][1]]
    if seed is not None:
        rng = random.Random(seed)
        rng.shuffle(names)
        rng.shuffle(edges)
    builder = DepGraphBuilder()
    for name in names:
        builder.add(
            Component(
                id=store_id(name),
                kind=ComponentKind.STORE_PATH,
                name=name,
                self_size=spec[name][0],
            )
        )
    for a, b in edges:
        builder.add_reference(store_id(a), store_id(b))
    for root in roots:
        builder.add_root(store_id(root))
    return Closure(source=Source(path=path, format="test"), graph=builder.build())


HELLO: Spec = {
    "hello-2.12.1": (230_000, ["glibc-2.39-52", "libidn2-2.3.7"]),
    "libidn2-2.3.7": (350_000, ["glibc-2.39-52", "libunistring-1.2"]),
    "libunistring-1.2": (1_900_000, ["glibc-2.39-52"]),
    "glibc-2.39-52": (30_000_000, ["xgcc-13.3.0-libgcc"]),
    "xgcc-13.3.0-libgcc": (140_000, []),
    "openssl-3.0.14": (6_500_000, ["glibc-2.39-52"]),
    "openssl-1.1.1w": (5_900_000, ["glibc-2.39-52"]),
    "curl-8.9.1": (1_200_000, ["openssl-3.0.14", "glibc-2.39-52", "nghttp2-1.62.1"]),
    "nghttp2-1.62.1": (480_000, ["glibc-2.39-52"]),
    "python3-3.12.4": (110_000_000, ["openssl-1.1.1w", "glibc-2.39-52", "tzdata-2024a"]),
    "tzdata-2024a": (2_600_000, []),
    "app-1.0": (40_000, ["hello-2.12.1", "curl-8.9.1", "python3-3.12.4"]),
}
"""A small Nix-like closure with two OpenSSL versions and a big Python."""

HELLO_NEW: Spec = {
    "hello-2.12.1": (230_000, ["glibc-2.39-52", "libidn2-2.3.7"]),
    "libidn2-2.3.7": (350_000, ["glibc-2.39-52", "libunistring-1.2"]),
    "libunistring-1.2": (1_900_000, ["glibc-2.39-52"]),
    "glibc-2.39-52": (30_500_000, ["xgcc-13.3.0-libgcc"]),
    "xgcc-13.3.0-libgcc": (140_000, []),
    "openssl-3.0.15": (6_500_000, ["glibc-2.39-52"]),
    "curl-8.9.1": (1_100_000, ["openssl-3.0.15", "glibc-2.39-52", "zstd-1.5.6"]),
    "zstd-1.5.6": (900_000, ["glibc-2.39-52"]),
    "python3-3.12.4": (110_000_000, ["openssl-3.0.15", "glibc-2.39-52", "tzdata-2024a"]),
    "tzdata-2024a": (2_600_000, []),
    "app-1.0": (40_000, ["hello-2.12.1", "curl-8.9.1", "python3-3.12.4"]),
}
"""HELLO after an update: one OpenSSL, nghttp2 gone, zstd added, glibc grown, curl shrunk."""


def layered_dag(n: int, seed: int, *, fanout: int = 4) -> tuple[Spec, list[str]]:
    """A random DAG of ``n`` store paths under one root (every node reachable from it)."""
    rng = random.Random(seed)
    names = [f"pkg{i:05d}-1.{i % 9}" for i in range(n)]
    refs: dict[str, list[str]] = {name: [] for name in names}
    for i in range(1, n):
        parent = rng.randrange(0, i)
        refs[names[parent]].append(names[i])
    for i in range(n - 1):
        for j in rng.sample(range(i + 1, n), min(fanout - 1, n - i - 1)):
            if rng.random() < 0.5 and names[j] not in refs[names[i]]:
                refs[names[i]].append(names[j])
    spec = {name: (rng.randint(1_000, 80_000_000), refs[name]) for name in names}
    return spec, [names[0]]


def image_closure() -> Closure:
    """A two-layer image: packages own files in layers; layer 1 adds a big python."""
    builder = DepGraphBuilder()
    comps = {
        "deb:libc6": ("libc6", "2.36-9", 12_000_000),
        "deb:libssl3": ("libssl3", "3.0.15-1", 6_000_000),
        "deb:python3.11": ("python3.11", "3.11.2-6", 25_000_000),
        "deb:ca-certificates": ("ca-certificates", "20230311", 400_000),
    }
    for cid, (name, version, size) in sorted(comps.items()):
        builder.add(
            Component(
                id=NodeId(cid),
                kind=ComponentKind.PACKAGE,
                name=name,
                version=version,
                self_size=size,
            )
        )
    builder.add_reference(NodeId("deb:python3.11"), NodeId("deb:libssl3"))
    builder.add_reference(NodeId("deb:python3.11"), NodeId("deb:libc6"))
    builder.add_reference(NodeId("deb:libssl3"), NodeId("deb:libc6"))
    builder.add_reference(NodeId("deb:ca-certificates"), NodeId("deb:libssl3"))
    files = FileTreeBuilder()
    placement = {
        "usr/lib/libc.so.6": ("deb:libc6", 0, 12_000_000),
        "usr/lib/libssl.so.3": ("deb:libssl3", 0, 6_000_000),
        "usr/lib/python3.11/os.py": ("deb:python3.11", 1, 25_000_000),
        "etc/ssl/certs/ca.pem": ("deb:ca-certificates", 1, 400_000),
    }
    for path, (owner, layer, size) in sorted(placement.items()):
        files.add(FileEntry(path=path, kind=FileKind.FILE, size=size, layer=layer, component=owner))
    layers = (
        Layer(index=0, created_by="debootstrap bookworm", content_size=18_000_000),
        Layer(index=1, created_by="RUN apt-get install python3", content_size=25_400_000),
    )
    return Closure(
        source=Source(path="image.tar", format="test"),
        graph=builder.build(),
        files=files.build(),
        layers=layers,
    )


SVG = "{http://www.w3.org/2000/svg}"


def svg_graph(svg: bytes) -> tuple[set[str], set[tuple[str, str]]]:
    """Node titles and (tail, head) edge titles of an SVG made by dot."""
    root = ET.fromstring(svg)
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        if title is None or title.text is None:
            continue
        if group.get("class") == "node":
            nodes.add(title.text)
        elif group.get("class") == "edge":
            tail, _, head = title.text.partition("->")
            edges.add((tail, head))
    return nodes, edges
