"""Literal dependency graphs for analysis tests: ``make_graph({name: (size, [refs])})``."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

from closurescope.model import Component, ComponentKind, DepGraph, DepGraphBuilder, NodeId
from closurescope.model.component import NIX32_ALPHABET

Spec = Mapping[str, tuple[int | None, Sequence[str]]]


def fake_hash(name: str) -> str:
    """A deterministic 32-character nix-base32 hash part for ``name``."""
    digest = hashlib.sha256(name.encode()).digest()
    return "".join(NIX32_ALPHABET[b % 32] for b in digest[:32])


def store_id(name: str) -> NodeId:
    """``hello-2.12`` → ``/nix/store/<fake hash>-hello-2.12``."""
    return NodeId(f"/nix/store/{fake_hash(name)}-{name}")


def make_graph(
    spec: Spec,
    roots: Iterable[str] | None = None,
    *,
    store: bool = False,
    order: Sequence[str] | None = None,
    allow_cycles: bool = False,
) -> DepGraph:
    """Build a DepGraph from ``{name: (self size or None, [names it references])}``.

    ``store=True`` makes ids look like store paths (``/nix/store/<hash>-name``), otherwise the
    id is the name. ``order`` fixes the insertion order (for determinism tests).
    """

    def ident(name: str) -> NodeId:
        return store_id(name) if store else NodeId(name)

    builder = DepGraphBuilder()
    names = list(order) if order is not None else list(spec)
    for name in names:
        size, _ = spec[name]
        kind = ComponentKind.STORE_PATH if store else ComponentKind.PACKAGE
        builder.add(Component(id=ident(name), kind=kind, name=name, self_size=size))
    for name in names:
        for ref in spec[name][1]:
            builder.add_reference(ident(name), ident(ref))
    for root in roots or ():
        builder.add_root(ident(root))
    return builder.build(allow_cycles=allow_cycles)
