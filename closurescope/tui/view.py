"""The TUI's data layer: sort orders, fuzzy search, file-tree indexes. No widgets in here.

Everything is computed from finished data (a Closure and its AnalysisResult) and can be tested
without an App, as frogmouth's ``data/`` and toolong's ``log_file.py`` are.
"""

from __future__ import annotations

import enum
import heapq
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from closurescope.analysis.result import AnalysisResult, NodeSizes
from closurescope.model import Closure, DepGraph, FileKind, FileTree, NodeId, Resolution


class SortOrder(enum.Enum):
    """How the browser sorts a column (``s`` cycles in this order)."""

    CLOSURE = "closure"
    ADDED = "added"
    SELF = "self"
    NAME = "name"

    def next(self) -> SortOrder:
        """The order after this one (wrapping round)."""
        members = list(SortOrder)
        return members[(members.index(self) + 1) % len(members)]


def size_of(sizes: NodeSizes | None, order: SortOrder) -> int | None:
    """The size ``order`` sorts by (None for NAME or when unknown)."""
    if sizes is None:
        return None
    if order is SortOrder.CLOSURE:
        return sizes.closure_size
    if order is SortOrder.ADDED:
        return sizes.added_size
    if order is SortOrder.SELF:
        return sizes.self_size
    return None


def sort_nodes(
    nodes: Iterable[NodeId],
    graph: DepGraph,
    sizes: Mapping[NodeId, NodeSizes],
    order: SortOrder,
) -> tuple[NodeId, ...]:
    """Biggest first for size orders (unknown sizes last), by name for NAME; ties by id."""
    if order is SortOrder.NAME:
        return tuple(sorted(nodes, key=lambda n: (graph.component(n).name, n)))

    def key(node: NodeId) -> tuple[int, int, str]:
        value = size_of(sizes.get(node), order)
        return (1, 0, node) if value is None else (0, -value, node)

    return tuple(sorted(nodes, key=key))


def sort_ranks(
    graph: DepGraph, sizes: Mapping[NodeId, NodeSizes], order: SortOrder
) -> dict[NodeId, int]:
    """Each node's position in ``order`` over the whole graph (``sort_nodes`` of everything).

    Sorting a column by ``rank.__getitem__`` gives the same order as ``sort_nodes`` and costs
    a C-level dict lookup per node instead of a Python key function: the browser sorts the
    referrers and references of the highlighted node on every keystroke.
    """
    return {node: i for i, node in enumerate(sort_nodes(graph, graph, sizes, order))}


def fuzzy_score(query: str, text: str) -> int | None:
    """Score ``text`` against ``query`` as a case-insensitive subsequence, or None.

    Like nix-tree-rs: every query character must appear in order; contiguous runs and a match
    at the start score higher, so ``glibc`` ranks ``glibc-2.39`` above ``gnu-lib-c``.
    """
    q = query.lower()
    t = text.lower()
    if not q:
        return 0
    direct = t.find(q)
    if direct != -1:
        return 1000 - direct + (500 if direct == 0 else 0)
    score = 0
    pos = 0
    run = 0
    for ch in q:
        found = t.find(ch, pos)
        if found == -1:
            return None
        run = run + 1 if found == pos else 0
        score += 1 + run * 2
        pos = found + 1
    return score


def fuzzy_search(query: str, candidates: Sequence[tuple[str, str]], limit: int = 500) -> list[str]:
    """Keys of ``(key, text)`` candidates matching ``query``, best first (ties by text)."""
    return fuzzy_filter(query, candidates, limit)[1]


def fuzzy_filter(
    query: str, candidates: Sequence[tuple[str, str]], limit: int = 500
) -> tuple[list[tuple[str, str]], list[str]]:
    """Every candidate matching ``query`` (input order) and the best ``limit`` keys.

    One scoring pass gives both: the search keeps the matches to narrow the next,
    longer query, and shows the best ones (as ``fuzzy_search``).
    """
    matches: list[tuple[str, str]] = []
    scored: list[tuple[int, str, str]] = []
    for candidate in candidates:
        key, text = candidate
        score = fuzzy_score(query, text)
        if score is not None:
            matches.append(candidate)
            scored.append((-score, text, key))
    best = heapq.nsmallest(limit, scored) if limit < len(scored) else sorted(scored)
    return matches, [key for _, _, key in best]


class RootChains:
    """A shortest chain root → … → node for every node, from one walk down from all roots.

    A breadth-first walk from every root at once (over the graph's integer index) gives each
    reachable node the referrer it was first reached through; following those back is a
    shortest chain. Built once, each chain costs its length: the browser's jump after a
    search used to walk up the referrers instead, which from a node such as glibc visits
    most of a 12,000-path closure (~20 ms a jump).
    """

    __slots__ = ("_ids", "_index", "_parent")

    def __init__(self, graph: DepGraph) -> None:
        ig = graph.indexed()
        unreached, root = -2, -1
        parent = [unreached] * len(ig.ids)
        queue: deque[int] = deque()
        for r in ig.roots:
            if parent[r] == unreached:
                parent[r] = root
                queue.append(r)
        succ = ig.succ
        while queue:
            current = queue.popleft()
            for ref in succ[current]:
                if parent[ref] == unreached:
                    parent[ref] = current
                    queue.append(ref)
        self._ids = ig.ids
        self._index = ig.index
        self._parent = parent

    def chain(self, node: NodeId) -> tuple[NodeId, ...]:
        """A shortest chain root → … → ``node`` (just ``(node,)`` for a root or an orphan)."""
        step = self._parent[self._index[node]]
        chain = [node]
        while step >= 0:
            chain.append(self._ids[step])
            step = self._parent[step]
        return tuple(reversed(chain))


# -- files ----------------------------------------------------------------------------------
MARK_LOOP = "L"
MARK_WASTED = "W"
MARK_DUPLICATE = "D"
MARK_FINDING = "!"
MARKER_PRIORITY = (MARK_LOOP, MARK_WASTED, MARK_DUPLICATE, MARK_FINDING)
MARKER_MEANING = {
    MARK_LOOP: "symlink loop",
    MARK_WASTED: "wasted: also written by another layer",
    MARK_DUPLICATE: "duplicate content",
    MARK_FINDING: "subject of a finding",
}


@dataclass(frozen=True, slots=True)
class LayerChange:
    """One entry a layer adds (A), modifies (M) or removes (D)."""

    path: str
    change: str
    size: int


class FilesIndex:
    """Directory totals, markers and layer changes of a FileTree, computed once.

    Markers: ``L`` a symlink whose resolution loops; ``W`` a path written by more than one
    layer (dive's wasted space); ``D`` a regular file whose content digest another file shares;
    ``!`` a subject of a finding. Directories carry the markers of their contents.
    """

    def __init__(self, closure: Closure, subjects: Iterable[str] = ()) -> None:
        tree = closure.files
        assert tree is not None
        self.tree: FileTree = tree
        self.layers = closure.layers
        entries = tree.entries
        marks: dict[str, set[str]] = {}
        for path, entry in entries.items():
            if entry.kind is FileKind.SYMLINK and tree.resolve(path).status is Resolution.LOOP:
                marks.setdefault(path, set()).add(MARK_LOOP)
        writers: dict[str, int] = {}
        for layer in closure.layers:
            for e in layer.entries:
                if e.kind is not FileKind.DIR:
                    writers[e.path] = writers.get(e.path, 0) + 1
        for path, n in writers.items():
            if n > 1 and path in entries:
                marks.setdefault(path, set()).add(MARK_WASTED)
        by_digest: dict[tuple[str, int], list[str]] = {}
        for path, entry in entries.items():
            if entry.kind is FileKind.FILE and entry.digest and entry.size > 0:
                by_digest.setdefault((entry.digest, entry.size), []).append(path)
        for paths in by_digest.values():
            if len(paths) > 1:
                for path in paths:
                    marks.setdefault(path, set()).add(MARK_DUPLICATE)
        for subject in subjects:
            path = subject.lstrip("/")
            if path in entries:
                marks.setdefault(path, set()).add(MARK_FINDING)
        # One bottom-up pass (deepest paths first): each entry hands its total, its file
        # count and its markers to its parent only, so the cost is one step per entry.
        totals: dict[str, int] = {}
        counts: dict[str, int] = {}
        dir_marks: dict[str, set[str]] = {}
        for path in sorted(entries, key=lambda p: p.count("/"), reverse=True):
            entry = entries[path]
            if entry.kind is FileKind.FILE:
                size = entry.size
                totals[path] = size
                files = 1
            else:
                size = totals.get(path, 0)
                files = counts.get(path, 0)
            parent = path.rpartition("/")[0]
            if size:
                totals[parent] = totals.get(parent, 0) + size
            if files:
                counts[parent] = counts.get(parent, 0) + files
            found = marks.get(path)
            inner = dir_marks.get(path)
            if found or inner:
                up = dir_marks.get(parent)
                if up is None:
                    up = dir_marks[parent] = set()
                if found:
                    up.update(found)
                if inner:
                    up.update(inner)
        totals.setdefault("", 0)
        self.totals = totals
        self.counts = counts
        self._marks = marks
        self._dir_marks = dir_marks
        self._largest: tuple[str, ...] | None = None
        self._layer_changes: dict[int, tuple[LayerChange, ...]] = {}
        self._layer_paths: dict[int, tuple[str, ...]] = {}
        self._layer_by_path: dict[int, dict[str, LayerChange]] = {}

    def precompute(self) -> None:
        """Compute the lazy parts now (the largest files, every layer's changes): for a
        worker thread, so that the keys that show them answer at once."""
        self.largest()
        for index in range(len(self.layers)):
            self.layer_changes(index)

    def size(self, path: str) -> int:
        """Apparent bytes under ``path`` (a file's own size; 0 for links and devices)."""
        return self.totals.get(path, 0)

    def markers(self, path: str) -> str:
        """The marker characters of ``path`` (its own, then its contents'), priority order."""
        own = self._marks.get(path, set())
        inner = self._dir_marks.get(path, set())
        return "".join(m for m in MARKER_PRIORITY if m in own or m in inner)

    def own_markers(self, path: str) -> str:
        """Markers of ``path`` itself, priority order."""
        own = self._marks.get(path, set())
        return "".join(m for m in MARKER_PRIORITY if m in own)

    def children(self, path: str, *, by_name: bool = False) -> tuple[str, ...]:
        """Children of directory ``path``: biggest first (ties by name), or by name."""
        kids = self.tree.children(path)
        if by_name:
            return kids
        totals = self.totals
        return tuple(sorted(kids, key=lambda p: (-totals.get(p, 0), p)))

    def largest(self) -> tuple[str, ...]:
        """Every regular file, biggest first (dive #89/#323); computed on first use."""
        if self._largest is None:
            entries = self.tree.entries
            files = [p for p, e in entries.items() if e.kind is FileKind.FILE]
            totals = self.totals
            files.sort(key=lambda p: (-totals[p], p))
            self._largest = tuple(files)
        return self._largest

    def layer_changes(self, index: int) -> tuple[LayerChange, ...]:
        """What layer ``index`` adds, modifies and removes, biggest first."""
        cached = self._layer_changes.get(index)
        if cached is not None:
            return cached
        layer = self.layers[index]
        sizes: dict[str, int] = {}
        for e in layer.entries:
            sizes[e.path] = e.size if e.kind is FileKind.FILE else 0
        changes = [LayerChange(p, "A", sizes.get(p, 0)) for p in layer.added]
        changes += [LayerChange(p, "M", sizes.get(p, 0)) for p in layer.modified]
        changes += [LayerChange(p, "D", 0) for p in layer.removed]
        changes.sort(key=lambda c: (-c.size, c.path))
        result = tuple(changes)
        # The view lists a layer by path and looks each shown row up by path: both built
        # here, once per layer (in the index thread), not on every key that shows it.
        self._layer_paths[index] = tuple(c.path for c in result)
        self._layer_by_path[index] = {c.path: c for c in result}
        self._layer_changes[index] = result
        return result

    def layer_paths(self, index: int) -> tuple[str, ...]:
        """The paths of ``layer_changes(index)``, in the same order."""
        self.layer_changes(index)
        return self._layer_paths[index]

    def layer_change(self, index: int, path: str) -> LayerChange:
        """The change layer ``index`` makes to ``path`` (a path of ``layer_paths(index)``)."""
        self.layer_changes(index)
        return self._layer_by_path[index][path]


# -- findings -------------------------------------------------------------------------------
def subjects_index(result: AnalysisResult) -> dict[str, tuple[int, ...]]:
    """Subject (component id or in-image path) → indices of the findings that name it."""
    out: dict[str, list[int]] = {}
    for i, finding in enumerate(result.findings):
        for subject in finding.subjects:
            out.setdefault(subject, []).append(i)
    return {k: tuple(v) for k, v in out.items()}


# -- /etc -----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class EtcItem:
    """One /etc entry of the suggestion: its path, why, and its size."""

    path: str
    reason: str = ""
    size: int | None = None


@dataclass(frozen=True, slots=True)
class EtcView:
    """The /etc suggestion as the screen shows it (see screens/etc.py for the input shape)."""

    keep: tuple[EtcItem, ...] = ()
    drop: tuple[EtcItem, ...] = ()
    saving: int | None = None
    notes: tuple[str, ...] = field(default=())
    snippets: tuple[tuple[str, str], ...] = ()
    """``(language, text)`` fixes to paste (nix, dockerfile, shell), as the analysis gave."""


def _etc_item(raw: Any) -> EtcItem | None:
    if isinstance(raw, str):
        return EtcItem(raw)
    if isinstance(raw, Mapping):
        path = raw.get("path")
        if not isinstance(path, str):
            return None
        reason = raw.get("reason", "")
        size = raw.get("size")
        return EtcItem(
            path,
            reason if isinstance(reason, str) else str(reason),
            size if isinstance(size, int) and not isinstance(size, bool) else None,
        )
    path = getattr(raw, "path", None)
    if isinstance(path, str):
        reason = getattr(raw, "reason", "")
        size = getattr(raw, "size", None)
        return EtcItem(path, str(reason or ""), size if isinstance(size, int) else None)
    return None


def etc_view(metrics: Mapping[str, Any]) -> EtcView | None:
    """The /etc view data from ``metrics["etc"]``, or None when the analysis did not run."""
    raw = metrics.get("etc")
    if raw is None:
        return None
    get = raw.get if isinstance(raw, Mapping) else (lambda k, d=None: getattr(raw, k, d))
    keep = tuple(i for i in (_etc_item(x) for x in get("keep", ()) or ()) if i is not None)
    drop = tuple(i for i in (_etc_item(x) for x in get("drop", ()) or ()) if i is not None)
    saving = get("saving", None)
    notes = [str(n) for n in get("notes", ()) or ()]
    if get("applicable", True) is False and get("reason", ""):
        notes.insert(0, f"not applicable: {get('reason', '')}")
    raw_snippets = get("snippets", {}) or {}
    snippets = (
        tuple((str(k), str(v)) for k, v in raw_snippets.items() if v)
        if isinstance(raw_snippets, Mapping)
        else ()
    )
    return EtcView(
        keep=tuple(sorted(keep, key=lambda i: i.path)),
        drop=tuple(sorted(drop, key=lambda i: (-(i.size or 0), i.path))),
        saving=saving if isinstance(saving, int) and not isinstance(saving, bool) else None,
        notes=tuple(notes),
        snippets=snippets,
    )
