"""The dependency graph of an image or rootfs when nothing better is known.

``image_parts`` (and ``image_graph``, its graph alone) is the single entry point every image
and rootfs loader calls. When the tree holds Nix store paths or a dpkg/apk database, the
richer builder of ``_imagegraph`` makes the graph (store paths with NAR sizes and scanned
references, packages with their dependencies). Otherwise:

- an image's components are its layers (``layer:N``, kind LAYER, self size = the layer's
  content bytes, i.e. the sum of its tar header sizes), each referencing the layer below;
- a rootfs's components are its top-level directories (``dir:usr``, kind DIRECTORY, self
  size = apparent bytes of the regular files under it, hardlinks once, ``file_count`` = the
  number of regular files); top-level non-directories go to ``unowned``.
"""

from __future__ import annotations

from collections.abc import Sequence

from closurescope.loaders._etcscan import EtcScanner
from closurescope.loaders._imagegraph import build_image_graph
from closurescope.loaders._nixscan import ImageScanner
from closurescope.loaders._observe import ContentObserver, Observers
from closurescope.model import (
    Component,
    ComponentKind,
    DepGraph,
    DepGraphBuilder,
    FileKind,
    FileTree,
    ImageConfig,
    Layer,
    NodeId,
)


def scanning(observers: Observers) -> Observers:
    """``observers`` plus a fresh ImageScanner (one per load) unless one is there already.

    Loaders call this at the start of ``load`` and pass the result both to the layer
    streaming and to ``image_parts``, so store references and package databases are seen.
    """
    extra: list[ContentObserver] = []
    if not any(isinstance(o, ImageScanner) for o in observers):
        extra.append(ImageScanner())
    if not any(isinstance(o, EtcScanner) for o in observers):
        extra.append(EtcScanner())  # etc-file markers for Closure.file_markers
    return (*observers, *extra) if extra else observers


def image_parts(
    tree: FileTree | None,
    layers: Sequence[Layer],
    config: ImageConfig | None,
    observers: Observers = (),
) -> tuple[DepGraph, FileTree | None, tuple[str, ...]]:
    """The graph, the tree with each entry's owning component set, and notes for the user.

    Store paths and dpkg/apk packages when the tree has them (``_imagegraph``); otherwise
    layers (an image) or top-level directories (a rootfs).
    """
    scanner = next((o for o in observers if isinstance(o, ImageScanner)), None)
    if tree is not None:
        scan = scanner.result() if scanner is not None else None
        notes: list[str] = []
        built = build_image_graph(tree, layers, config, scan, diagnostics=notes)
        if built is not None:
            builder, owners = built
            if scan is not None:
                notes.extend(scan.diagnostics)
            return builder.build(allow_cycles=True), tree.with_components(owners), tuple(notes)
    builder = layer_graph(layers) if layers else directory_graph(tree)
    return builder.build(), tree, ()


def image_graph(
    tree: FileTree | None,
    layers: Sequence[Layer],
    config: ImageConfig | None,
    observers: Observers = (),
) -> DepGraph:
    """The graph for an image (``layers`` non-empty) or a rootfs (``layers`` empty)."""
    return image_parts(tree, layers, config, observers)[0]


def _short(command: str | None) -> str:
    text = (command or "").strip()
    for prefix in ("/bin/sh -c #(nop) ", "/bin/sh -c "):
        if text.startswith(prefix):
            text = text[len(prefix) :].strip()
    return text[:60]


def layer_graph(layers: Sequence[Layer]) -> DepGraphBuilder:
    """One component per layer, each referencing the layer below it."""
    builder = DepGraphBuilder()
    for layer in layers:
        node = NodeId(f"layer:{layer.index}")
        files = sum(1 for e in layer.entries if e.kind is FileKind.FILE)
        label = _short(layer.created_by)
        builder.add(
            Component(
                id=node,
                kind=ComponentKind.LAYER,
                name=f"layer {layer.index}" + (f": {label}" if label else ""),
                self_size=layer.content_size,
                file_count=files,
            )
        )
        if layer.index > 0:
            builder.add_reference(node, NodeId(f"layer:{layer.index - 1}"))
    return builder


def directory_graph(tree: FileTree | None) -> DepGraphBuilder:
    """One component per top-level directory (and ``unowned`` for top-level files)."""
    builder = DepGraphBuilder()
    if tree is None:
        return builder
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    for entry in tree.entries.values():
        top, sep, _ = entry.path.partition("/")
        top_entry = tree.get(top)
        is_dir = top_entry is not None and top_entry.kind is FileKind.DIR
        key = f"dir:{top}" if is_dir and (sep or entry.kind is FileKind.DIR) else "unowned"
        sizes.setdefault(key, 0)
        counts.setdefault(key, 0)
        if entry.kind is FileKind.FILE:
            sizes[key] += entry.size
            counts[key] += 1
    for key in sorted(sizes):
        kind = ComponentKind.UNOWNED if key == "unowned" else ComponentKind.DIRECTORY
        name = key.removeprefix("dir:")
        builder.add(
            Component(
                id=NodeId(key),
                kind=kind,
                name=name,
                self_size=sizes[key],
                file_count=counts[key],
            )
        )
    return builder
