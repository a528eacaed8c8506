"""dive's layer metrics, exactly: efficiency, wasted bytes, user wasted percent.

``layer_metrics(layers)`` reproduces ``wagoodman/dive`` (``filetree/efficiency.go`` and
``image/analysis.go``, as described in docs/explanation/layer-metrics.md) to the last digit,
including its quirks, because CI gates are written against dive's numbers:

- each layer's *own* tree is visited (not the merged one), bottom layer first, children
  before their parent, siblings by name; only **leaves** count (files, links, whiteouts and
  directories that are empty *in that layer*); parents missing from a layer's tar are
  created implicitly, blank (size 0, not a directory);
- a leaf's size is its tar header size; a file whiteout sizes 0; a directory whiteout sizes
  the whole subtree of the lower stacked tree, but only when that lower node is flagged as a
  directory (an upper layer's implicit parent blanks the flag);
- the "lower stack" of layer *i* is layer 0, stacked again with layers 0..i-1 (dive copies
  layer 0 and then stacks the range starting at 0); when a whiteout's target is missing
  there, dive stops visiting that layer silently: the remaining leaves are not counted;
- opaque markers (``.wh..wh..opq``) are ignored, as dive ignores them (their directory still
  exists in the layer's tree, implicitly);
- per path: count, cumulative size, minimum size; efficiency = Σmin / Σcum (1.0 when
  Σcum = 0); a path is *inefficient* from its second sighting; wasted bytes = Σcum over
  inefficient paths (every copy, the kept one included); user size = all layers but index 0;
  user wasted percent = wasted / user size as a ratio (NaN for 0/0, +inf for x/0).

Beside dive's numbers, ``reclaimable_bytes`` = Σ(cum − min) over the inefficient paths: the
bytes that squashing the writes of each path into its last layer would actually save (the
meaning proposed in dive PR #685).

The merged tree of closurescope applies opaque whiteouts correctly; only these dive-compatible
metrics ignore them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from closurescope.model import FileKind, Layer

WHITEOUT_PREFIX = ".wh."


@dataclass(frozen=True, slots=True, kw_only=True)
class InefficientPath:
    """A path seen in two or more layers (dive's ``fileReference``)."""

    path: str
    count: int
    cumulative_size: int
    """Sum of every sighting's size (dive's ``sizeBytes`` for the path)."""
    min_size: int
    """The smallest single sighting (0 when it was deleted by a file whiteout)."""
    layers: tuple[int, ...]
    """Indices of the layers where it was seen, in order."""
    deleted: bool
    """True when its last sighting is a whiteout."""

    @property
    def reclaimable(self) -> int:
        """cum − min: what keeping only the smallest (last) version would save."""
        return self.cumulative_size - self.min_size


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerMetrics:
    """dive's image-level numbers, plus closurescope's reclaimable bytes."""

    layer_count: int
    efficiency: float
    size_bytes: int
    user_size_bytes: int
    wasted_bytes: int
    user_wasted_percent: float
    """A ratio (0.48 means 48 %); NaN for a one-layer image, +inf when user size is 0."""
    reclaimable_bytes: int
    inefficient: tuple[InefficientPath, ...]
    """Descending cumulative size, ties in dive's (reversed stable insertion) order."""
    truncated_layers: tuple[int, ...] = ()
    """Layers whose visit dive stops early (a whiteout of a path missing below)."""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (NaN and infinities become None)."""

        def num(x: float) -> float | None:
            return x if math.isfinite(x) else None

        return {
            "layer_count": self.layer_count,
            "efficiency": num(self.efficiency),
            "size_bytes": self.size_bytes,
            "user_size_bytes": self.user_size_bytes,
            "wasted_bytes": self.wasted_bytes,
            "user_wasted_percent": num(self.user_wasted_percent),
            "reclaimable_bytes": self.reclaimable_bytes,
            "truncated_layers": list(self.truncated_layers),
            "inefficient": [
                {
                    "path": p.path,
                    "count": p.count,
                    "cumulative_size": p.cumulative_size,
                    "min_size": p.min_size,
                    "reclaimable": p.reclaimable,
                    "layers": list(p.layers),
                    "deleted": p.deleted,
                }
                for p in self.inefficient
            ],
        }


class _Node:
    """A node of a dive-style tree: name as in the tar (whiteouts keep ``.wh.``)."""

    __slots__ = ("children", "is_dir", "is_whiteout", "name", "size")

    def __init__(self, name: str, size: int = 0, is_dir: bool = False) -> None:
        self.name = name
        self.size = size
        self.is_dir = is_dir
        self.is_whiteout = name.startswith(WHITEOUT_PREFIX)
        self.children: dict[str, _Node] = {}

    def copy(self) -> _Node:
        twin = _Node(self.name, self.size, self.is_dir)
        twin.children = {k: v.copy() for k, v in self.children.items()}
        return twin

    def subtree_size(self) -> int:
        total = 0
        stack = [self]
        while stack:
            node = stack.pop()
            total += node.size
            stack.extend(node.children.values())
        return total


def _reported(parts: list[str]) -> str:
    """dive's node path: the ``.wh.`` prefix of the last component dropped."""
    last = parts[-1]
    if last.startswith(WHITEOUT_PREFIX):
        last = last[len(WHITEOUT_PREFIX) :]
    return "/".join([*parts[:-1], last])


def _add(root: _Node, names: Sequence[str], size: int, is_dir: bool) -> None:
    """AddPath: create missing parents blank, then set the payload on the last node."""
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            child = _Node(name)
            node.children[name] = child
        node = child
    node.size = size
    node.is_dir = is_dir


def _ensure(root: _Node, names: Sequence[str]) -> None:
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            child = _Node(name)
            node.children[name] = child
        node = child


def _get(root: _Node, names: Sequence[str]) -> _Node | None:
    node = root
    for name in names:
        child = node.children.get(name)
        if child is None:
            return None
        node = child
    return node


def _remove(root: _Node, names: Sequence[str]) -> bool:
    parent = _get(root, names[:-1])
    if parent is None or names[-1] not in parent.children:
        return False
    del parent.children[names[-1]]
    return True


def layer_tree(layer: Layer) -> _Node:
    """The layer's own tree as dive builds it."""
    root = _Node("", 0, True)
    for entry in layer.entries:
        parts = entry.path.split("/") if entry.path else []
        size = entry.tar_size if entry.tar_size is not None else entry.size
        if entry.kind is FileKind.OPAQUE:
            _ensure(root, parts)  # the marker itself is dropped; its parents exist
        elif entry.kind is FileKind.WHITEOUT:
            if not parts:
                continue
            parts[-1] = WHITEOUT_PREFIX + parts[-1]
            _add(root, parts, size, False)
        elif parts:
            _add(root, parts, size, entry.kind is FileKind.DIR)
    return root


def _post_order(root: _Node) -> Iterator[tuple[list[str], _Node]]:
    """Children before parent, siblings by name; the root itself is not yielded."""
    stack: list[tuple[list[str], _Node, bool]] = [
        ([name], child, False) for name, child in sorted(root.children.items(), reverse=True)
    ]
    while stack:
        parts, node, expanded = stack.pop()
        if expanded or not node.children:
            yield parts, node
            continue
        stack.append((parts, node, True))
        stack.extend(
            ([*parts, name], child, False)
            for name, child in sorted(node.children.items(), reverse=True)
        )


def _stack(lower: _Node, upper: _Node) -> None:
    """dive's Stack: whiteouts remove, everything else (implicit parents too) is added."""
    for parts, node in _post_order(upper):
        if node.is_whiteout:
            target = [*parts[:-1], parts[-1][len(WHITEOUT_PREFIX) :]]
            _remove(lower, target)
        elif not parts[-1].startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
            _add(lower, parts, node.size, node.is_dir)


@dataclass(slots=True)
class _Stat:
    count: int
    cum: int
    min: int
    layers: list[int]
    deleted: bool


def layer_metrics(layers: Sequence[Layer]) -> LayerMetrics:
    """dive's efficiency, wasted bytes and user wasted percent for ``layers`` (bottom first)."""
    trees = [layer_tree(layer) for layer in layers]
    stats: dict[str, _Stat] = {}
    order: list[str] = []
    truncated: list[int] = []
    stacked: _Node | None = None
    for index, tree in enumerate(trees):
        if index == 0:
            lower = trees[0].copy()
        else:
            if stacked is None:
                stacked = trees[0].copy()
                _stack(stacked, trees[0])
            lower = stacked
        for parts, node in _post_order(tree):
            if node.children:
                continue
            whiteout = node.is_whiteout
            if whiteout:
                target = [*parts[:-1], parts[-1][len(WHITEOUT_PREFIX) :]]
                below = _get(lower, target)
                if below is None:
                    truncated.append(index)
                    break
                size = below.subtree_size() if below.is_dir else 0
            else:
                size = node.size
            path = _reported(parts)
            stat = stats.get(path)
            if stat is None:
                stats[path] = _Stat(1, size, size, [index], whiteout)
            else:
                stat.count += 1
                stat.cum += size
                stat.min = min(stat.min, size)
                stat.layers.append(index)
                stat.deleted = whiteout
                if stat.count == 2:
                    order.append(path)
        if index > 0:
            assert stacked is not None
            _stack(stacked, tree)
    total_min = sum(s.min for s in stats.values())
    total_cum = sum(s.cum for s in stats.values())
    efficiency = 1.0 if total_cum == 0 else total_min / total_cum
    # Go's sort.Sort is a stable insertion sort for <= 12 items; consumers print it reversed.
    ranked = sorted(order, key=lambda p: stats[p].cum)
    ranked.reverse()
    inefficient = tuple(
        InefficientPath(
            path=p,
            count=stats[p].count,
            cumulative_size=stats[p].cum,
            min_size=stats[p].min,
            layers=tuple(stats[p].layers),
            deleted=stats[p].deleted,
        )
        for p in ranked
    )
    size = sum(layer.content_size for layer in layers)
    user = sum(layer.content_size for layer in layers[1:])
    wasted = sum(p.cumulative_size for p in inefficient)
    if user == 0:
        percent = math.nan if wasted == 0 else math.inf
    else:
        percent = wasted / user
    return LayerMetrics(
        layer_count=len(layers),
        efficiency=efficiency,
        size_bytes=size,
        user_size_bytes=user,
        wasted_bytes=wasted,
        user_wasted_percent=percent,
        reclaimable_bytes=sum(p.reclaimable for p in inefficient),
        inefficient=inefficient,
        truncated_layers=tuple(truncated),
    )
