"""The graph side of the /etc analysis: the entries of ``/etc``, what each references, and
the closure that remains when only some are kept (see ``analysis.etc`` for the reasoning)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from closurescope.model import Closure, ComponentKind, FileKind, FileTree, NodeId


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    """A marker seen in a file (or an Env variable, or a flag) that supports a need or entry."""

    source: str
    """In-image path of the file, ``Env SSL_CERT_FILE``, ``--need`` or ``User``."""
    marker: str
    need: str | None = None

    def text(self) -> str:
        """``getservbyname in nix/store/…/bin/hello-server``."""
        return f"{self.marker} in {self.source}"


@dataclass(frozen=True, slots=True, kw_only=True)
class EtcEntry:
    """One top-level ``/etc`` entry and what it references in the graph."""

    name: str
    """``services``, ``ssl`` …"""
    path: str
    """In-image path (``etc/services``)."""
    kind: str
    """``file``, ``dir``, ``symlink`` …"""
    size: int
    """Bytes of the regular files under it in the image's own ``etc/``."""
    references: tuple[NodeId, ...] = ()
    """Components its files or links point to (the graph's evidence)."""
    reasons: tuple[str, ...] = ()
    """Kept: why; dropped: nothing uses it; runtime: who provides it."""
    evidence: tuple[Evidence, ...] = ()
    drags: tuple[NodeId, ...] = ()
    """Dropped: the components the fix removes that this entry reaches (shared ones appear
    under every entry that reaches them)."""
    drag_bytes: int = 0
    """Dropped: own bytes plus the self sizes of ``drags``."""


def node_size(closure: Closure, node: NodeId) -> int:
    """Self size, 0 when unknown."""
    return closure.graph.component(node).self_size or 0


def etc_root(tree: FileTree) -> str | None:
    """The in-image directory holding /etc (``etc``, or where an ``etc`` link leads)."""
    entry = tree.get("etc")
    if entry is None:
        return None
    if entry.kind is FileKind.DIR:
        return "etc"
    res = tree.resolve("etc")
    target = tree.get(res.path) if res.status.value == "ok" else None
    return res.path if target is not None and target.kind is FileKind.DIR else None


def etc_entries(closure: Closure, tree: FileTree, etc_root: str) -> dict[str, EtcEntry]:
    """Every top-level entry of /etc with its size and the components it references."""
    graph = closure.graph
    refs: dict[str, set[NodeId]] = {}
    owners = {e.component for e in tree.walk(etc_root) if e.component is not None}
    prefix = etc_root + "/"
    for owner in sorted(owners):
        node = NodeId(owner)
        if node not in graph:
            continue
        for dep in graph.references(node):
            for f in graph.evidence(node, dep):
                if f.startswith(prefix):
                    refs.setdefault(f[len(prefix) :].split("/", 1)[0], set()).add(dep)
    out: dict[str, EtcEntry] = {}
    for path in tree.children(etc_root):
        entry = tree.get(path)
        assert entry is not None
        name = path[len(prefix) :]
        found = set(refs.get(name, ()))
        for sub in [entry, *tree.walk(path)] if entry.kind is FileKind.DIR else [entry]:
            if sub.kind is FileKind.SYMLINK:
                res = tree.resolve(sub.path)
                target = tree.get(res.path) if res.status.value == "ok" else None
                if target is not None and target.component and target.component != sub.component:
                    found.add(NodeId(target.component))
        size = entry.size if entry.kind is FileKind.FILE else tree.total_size(path)
        if entry.kind is not FileKind.DIR and entry.kind is not FileKind.FILE:
            size = 0
        out[name] = EtcEntry(
            name=name,
            path=path,
            kind=entry.kind.value,
            size=size,
            references=tuple(sorted(n for n in found if n in graph)),
        )
    return out


@dataclass(slots=True)
class Removal:
    """What keeping only some entries does to the closure (sizes in bytes)."""

    before: int
    after: int
    removed: tuple[NodeId, ...]
    mirrors: tuple[NodeId, ...]
    drags: dict[str, tuple[NodeId, ...]]
    notes: list[str]


def mirrors(closure: Closure, tree: FileTree, names: set[str]) -> list[NodeId]:
    """Store paths whose ``etc/`` holds at least half of the image's /etc entries."""
    out: list[NodeId] = []
    for node, comp in closure.graph.components.items():
        if comp.kind is not ComponentKind.STORE_PATH:
            continue
        inner = node.lstrip("/") + "/etc"
        kids = {k.rsplit("/", 1)[-1] for k in tree.children(inner)}
        if kids and len(kids & names) * 2 >= len(names) and len(kids & names) >= 2:
            out.append(node)
    return sorted(out)


def model_removal(
    closure: Closure,
    tree: FileTree,
    etc_root: str,
    entries: Mapping[str, EtcEntry],
    kept: set[str],
    needs: Iterable[str],
    programs: Iterable[str],
) -> Removal:
    """The closure with only ``kept`` entries (see ``analysis.etc``, step 4)."""
    graph = closure.graph
    notes: list[str] = []
    found_mirrors = mirrors(closure, tree, set(entries))
    # where each etc-file-owning component's evidence lies: in kept entries or elsewhere
    gone_prefixes = [f"{etc_root}/{n}" for n in entries if n not in kept]
    gone_prefixes += [
        f"{m.lstrip('/')}/etc/{n}" for m in found_mirrors for n in entries if n not in kept
    ]

    def gone(path: str) -> bool:
        return any(path == p or path.startswith(p + "/") for p in gone_prefixes)

    etc_owners = {NodeId(e.component) for e in tree.walk(etc_root) if e.component} | set(
        found_mirrors
    )
    etc_owners &= set(graph)
    succ: dict[NodeId, set[NodeId]] = {n: set(graph.references(n)) for n in graph}
    dragged: set[NodeId] = set()
    for owner in etc_owners:
        for dep in graph.references(owner):
            ev = graph.evidence(owner, dep)
            if ev and all(gone(f) for f in ev):
                succ[owner].discard(dep)
                dragged.add(dep)
    still = {d for o in etc_owners for d in succ[o]}
    dragged -= still
    # the need for a locale archive or zoneinfo keeps the packages holding them
    needed: set[NodeId] = set()
    if "locale" in needs:
        needed |= holders(tree, "lib/locale/locale-archive")
    if "tz" in needs:
        needed |= holders(tree, "share/zoneinfo")
    dragged -= needed
    # image-contents roots listing the etc store path: their links to /etc's packages go too
    for root in graph.roots:
        if root in etc_owners or not (succ[root] & set(found_mirrors)):
            continue
        for dep in sorted(succ[root] & dragged):
            succ[root].discard(dep)
            notes.append(f"{root} lists {dep} only for /etc: dropped with it")
    for path in programs:
        prog = tree.get(path)
        if prog is not None and prog.component and NodeId(prog.component) in graph:
            needed.add(NodeId(prog.component))
    roots = {r for r in graph.roots if r not in dragged} | needed
    env = closure.config.env_map if closure.config else {}
    for r in sorted(set(graph.roots) & dragged):
        named = sorted(k for k, v in env.items() if r in v)
        if named:
            notes.append(f"Env {', '.join(named)} names {r}, which only /etc uses: update it too")
    reach: set[NodeId] = set()
    stack = sorted(roots)
    while stack:
        node = stack.pop()
        if node in reach:
            continue
        reach.add(node)
        stack.extend(succ[node] - reach)
    before_nodes = graph.closure(graph.roots)
    before = sum(node_size(closure, n) for n in before_nodes)
    gone_bytes = sum(
        e.size for n, e in entries.items() if n not in kept and e.kind in ("file", "dir")
    )
    after = sum(node_size(closure, n) for n in reach) - gone_bytes
    removed = tuple(sorted(before_nodes - reach))
    removed_set = set(removed)
    drags: dict[str, tuple[NodeId, ...]] = {}
    for name, entry in entries.items():
        if name in kept:
            continue
        drags[name] = tuple(sorted(graph.closure(entry.references) & removed_set))
    return Removal(before, after, removed, tuple(found_mirrors), drags, notes)


def holders(tree: FileTree, suffix: str) -> set[NodeId]:
    """Components owning a file whose path ends with ``suffix``."""
    out: set[NodeId] = set()
    for entry in tree.entries.values():
        if entry.component and (entry.path.endswith("/" + suffix) or entry.path == suffix):
            out.add(NodeId(entry.component))
    return out
