"""Symlink analyses: loops (and what a dereferencing copy would write), dangling links.

Everything is resolved inside the FileTree (``FileTree.resolve``: absolute targets are
relative to the image root, at most MAX_SYMLINK_HOPS links per lookup); the host is never
touched and nothing loops.

Loops. Build the *directory graph*: real directories are nodes; a directory has an edge to
each real subdirectory and to the directory each of its symlink children resolves to. The
real-directory edges form a tree, so every cycle goes through a symlink: a link is a loop
link when its own directory and its target are in the same strongly connected component
(``posix -> .``, ``a -> ..``, ``a/b -> ../c`` + ``c/d -> ../a``). Links whose resolution
itself never ends (``a -> b``, ``b -> a``, ``a -> a``) are ELOOP links.

Materialisation estimate. A dereferencing copy (``rsync -ak``/``-aL``) walks paths, and the
kernel refuses a path whose lookup follows more than 40 links (ELOOP). So the bytes written
under a directory ``d`` reached with ``r`` link-hops still available are

    W(d, r) = files(d) + Σ_{real subdir s} W(s, r)
                       + Σ_{link ℓ → dir T, hops(ℓ) ≤ r} W(T, r − hops(ℓ))

and following a loop link ``ℓ`` from a copy root reached without links writes
``W(T, 40 − hops(ℓ))``. For a self loop ``d/posix -> .`` that is 40 × bytes(d without the
loop); for an ancestor loop the same with ``d`` the target. It is computed by memoised
evaluation over (directory, hops left) states, never by following the loop.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass

from closurescope.analysis.merkle import DirIndex, path_key
from closurescope.model import MAX_SYMLINK_HOPS, FileKind, FileTree, Resolution

RUNTIME_MOUNTS = frozenset({"proc", "dev", "sys", "run"})
"""Top-level directories a container runtime mounts: links into them are not dangling."""


@dataclass(frozen=True, slots=True)
class SymlinkLoop:
    """A loop link: ``kind`` is ``ancestor`` (target is its own directory or an ancestor),
    ``cycle`` (through other links) or ``eloop`` (resolution never ends)."""

    link: str
    target: str
    """The link's target text."""
    resolved: str | None
    """The directory it resolves to (None for ``eloop``)."""
    kind: str
    cycle: tuple[str, ...]
    """The links taking part in the cycle (sorted), or the ELOOP resolution chain."""
    materialised: int | None
    """Bytes a dereferencing copy writes under this link (0 for ELOOP links: copies fail)."""
    levels: int
    """Nested copies of the target such a copy writes (MAX_SYMLINK_HOPS for a simple loop)."""


@dataclass(frozen=True, slots=True)
class DanglingLink:
    """A link whose target is missing (``dangling``), goes through a non-directory
    (``not-a-directory``), or climbs above the image root (``escapes``)."""

    link: str
    target: str
    status: str
    missing: str
    """The first in-tree path that does not exist (or the resolved path for ``escapes``)."""


def _dir_links(tree: FileTree) -> dict[str, list[tuple[str, str, int]]]:
    """Directory → [(link, resolved directory, hops)] for its symlink children to directories."""
    out: dict[str, list[tuple[str, str, int]]] = {}
    for entry in tree.walk():
        if entry.kind is not FileKind.SYMLINK:
            continue
        res = tree.resolve(entry.path)
        if res.status is not Resolution.OK:
            continue
        target = tree.get(res.path) if res.path else None
        if res.path and (target is None or target.kind is not FileKind.DIR):
            continue
        out.setdefault(entry.parent, []).append((entry.path, res.path, max(res.hops, 1)))
    return out


def _sccs(nodes: list[str], edges: Mapping[str, list[str]]) -> dict[str, int]:
    """Iterative Tarjan: node → component number."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    comp: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    counter = 0
    n_comp = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            succ = edges.get(node, [])
            recurse = False
            while i < len(succ):
                nxt = succ[i]
                i += 1
                if nxt not in index:
                    work.append((node, i))
                    work.append((nxt, 0))
                    recurse = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if recurse:
                continue
            if low[node] == index[node]:
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp[top] = n_comp
                    if top == node:
                        break
                n_comp += 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return comp


def dereferenced_size(
    tree: FileTree, index: DirIndex, top: str = "", hops: int = MAX_SYMLINK_HOPS
) -> int:
    """Bytes of regular files a dereferencing copy of ``top`` (``rsync -ak``) writes.

    ``hops`` is how many link traversals the kernel still allows on paths below ``top``.
    """
    links = _dir_links(tree)
    return _evaluate(tree, index, links, [(top, hops)])[(top, hops)]


def _evaluate(
    tree: FileTree,
    index: DirIndex,
    links: Mapping[str, list[tuple[str, str, int]]],
    wanted: list[tuple[str, int]],
) -> dict[tuple[str, int], int]:
    # Directories with a followable link somewhere below: only these depend on the hops left.
    linked: set[str] = set()
    for parent in links:
        node = parent
        while True:
            if node in linked:
                break
            linked.add(node)
            if not node:
                break
            node = node.rsplit("/", 1)[0] if "/" in node else ""
    memo: dict[tuple[str, int], int] = {}
    stack = list(wanted)
    while stack:
        state = stack[-1]
        if state in memo:
            stack.pop()
            continue
        path, rem = state
        if path not in linked:
            memo[state] = index.bytes.get(path, 0)
            stack.pop()
            continue
        deps: list[tuple[str, int]] = []
        subdirs: list[str] = []
        files = 0
        for child in tree.children(path):
            entry = tree.get(child)
            if entry is None:  # pragma: no cover
                continue
            if entry.kind is FileKind.DIR:
                subdirs.append(child)
            elif entry.kind is FileKind.FILE:
                files += entry.size
        deps.extend((s, rem) for s in subdirs)
        deps.extend((t, rem - h) for _, t, h in links.get(path, []) if h <= rem)
        missing = [d for d in deps if d not in memo]
        if missing:
            stack.extend(missing)
            continue
        memo[state] = files + sum(memo[d] for d in deps)
        stack.pop()
    return memo


def find_loops(tree: FileTree, index: DirIndex) -> tuple[SymlinkLoop, ...]:
    """Every loop link and ELOOP link, sorted by path."""
    links = _dir_links(tree)
    dirs = [e.path for e in tree.walk() if e.kind is FileKind.DIR]
    nodes = ["", *dirs]
    edges: dict[str, list[str]] = {}
    for d in nodes:
        succ = [c for c in tree.children(d) if (e := tree.get(c)) and e.kind is FileKind.DIR]
        succ.extend(t for _, t, _ in links.get(d, []))
        edges[d] = succ
    comp = _sccs(nodes, edges)
    loop_links: list[tuple[str, str, int, int]] = []
    by_comp: dict[int, list[str]] = {}
    for parent, items in links.items():
        for link, target, hops in items:
            if comp[parent] == comp[target]:
                loop_links.append((link, target, hops, comp[parent]))
                by_comp.setdefault(comp[parent], []).append(link)
    wanted = [(t, MAX_SYMLINK_HOPS - h) for _, t, h, _ in loop_links]
    memo = _evaluate(tree, index, links, wanted)
    found: list[SymlinkLoop] = []
    for link, target, hops, c in loop_links:
        entry = tree.get(link)
        text = (entry.link_target if entry else None) or ""
        members = tuple(sorted(by_comp[c], key=path_key))
        parent = entry.parent if entry else ""
        ancestor = not target or parent == target or parent.startswith(target + "/")
        simple = ancestor and len(members) == 1
        found.append(
            SymlinkLoop(
                link=link,
                target=text,
                resolved=target,
                kind="ancestor" if ancestor else "cycle",
                cycle=members,
                materialised=memo[(target, MAX_SYMLINK_HOPS - hops)],
                levels=MAX_SYMLINK_HOPS // hops if simple else MAX_SYMLINK_HOPS,
            )
        )
    for entry in tree.walk():
        if entry.kind is not FileKind.SYMLINK:
            continue
        res = tree.resolve(entry.path)
        if res.status is not Resolution.LOOP:
            continue
        chain = tuple(dict.fromkeys(res.chain))
        found.append(
            SymlinkLoop(
                link=entry.path,
                target=entry.link_target or "",
                resolved=None,
                kind="eloop",
                cycle=chain,
                materialised=0,
                levels=0,
            )
        )
    found.sort(key=lambda x: path_key(x.link))
    return tuple(found)


def _absolute_target(link: str, target: str) -> str:
    parent = link.rsplit("/", 1)[0] if "/" in link else ""
    joined = target if target.startswith("/") else posixpath.join("/" + parent, target)
    return posixpath.normpath("/" + joined.lstrip("/")).lstrip("/")


def find_dangling(tree: FileTree) -> tuple[DanglingLink, ...]:
    """Links to nothing inside the tree, or that climb above the root; runtime mounts
    (/proc, /dev, /sys, /run) are not reported. Sorted by path."""
    found: list[DanglingLink] = []
    for entry in tree.walk():
        if entry.kind is not FileKind.SYMLINK:
            continue
        text = entry.link_target or ""
        res = tree.resolve(entry.path)
        if res.status is Resolution.OK or res.status is Resolution.LOOP:
            continue
        if res.status is not Resolution.ESCAPES:
            heads = {_absolute_target(entry.path, text).split("/", 1)[0]}
            heads.add(res.path.split("/", 1)[0])
            if heads & RUNTIME_MOUNTS:
                continue
        found.append(
            DanglingLink(link=entry.path, target=text, status=res.status.value, missing=res.path)
        )
    return tuple(found)
