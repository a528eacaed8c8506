"""Directory-level duplication: duplicate trees, materialised recursion, materialised dirlinks.

All three compare the Merkle hashes of ``closurescope.analysis.merkle`` (names, kinds, modes,
file contents, link targets), so equality is stricter than ``rmlint -D`` (content only,
names ignored) and equal to ``rmlint -D -j`` except where the peer test documents it.
Only directories holding at least one non-empty regular file take part (an empty or
symlink-only directory frees no bytes; ``duplicate_trees(symlink_only=True)`` adds the
symlink-only ones, for comparing with rmlint).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from closurescope.analysis.dupes import ignored
from closurescope.analysis.merkle import DirIndex, _content, is_under, path_key
from closurescope.model import FileKind, FileTree, Resolution


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0] if "/" in path else ""


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class TreeGroup:
    """Directories with identical whole content that survive the bigger groups' removals.

    Groups are decided biggest first: a bigger group keeps one copy and removes the others,
    so a smaller group counts only the copies left outside the removed trees (``paths``:
    these survivors, ``keep`` first). A copy inside a kept tree can still be redundant
    (``opt/app/perl-base`` beside ``opt/app/runtime/perl-base`` once the runtime tree is
    kept), a copy inside a removed tree is gone with it. So the removed trees never overlap
    and their bytes add up. ``rmlint -D`` reports the same groups.
    """

    digest: str
    size: int
    """Bytes of one copy."""
    files: int
    paths: tuple[str, ...]
    """The surviving copies in tree order; ``keep`` is the first."""
    keep: str
    redundant: tuple[str, ...]

    @property
    def reclaimable(self) -> int:
        """Bytes freed by removing the redundant copies."""
        return self.size * len(self.redundant)


def _classes(
    index: DirIndex, globs: tuple[str, ...], symlink_only: bool = False
) -> dict[str, list[str]]:
    by_hash: dict[str, list[str]] = {}
    for path, digest in index.hashes.items():
        if not path:
            continue
        if index.bytes[path] == 0 and not (symlink_only and index.links[path]):
            continue
        if globs and ignored(path, globs):
            continue
        by_hash.setdefault(digest, []).append(path)
    return {h: sorted(p, key=path_key) for h, p in by_hash.items() if len(p) > 1}


def _inside(path: str, removed: set[str]) -> bool:
    """True when ``path`` lies strictly below one of the ``removed`` directories."""
    while "/" in path:
        path = path.rsplit("/", 1)[0]
        if path in removed:
            return True
    return False


def duplicate_trees(
    tree: FileTree, index: DirIndex, ignore: Iterable[str] = (), *, symlink_only: bool = False
) -> tuple[TreeGroup, ...]:
    """Duplicate directory trees, decided biggest first (see TreeGroup).

    A directory holding a copy of another group's directory holds more entries, so
    deciding the groups by falling entry count settles every containing group before the
    groups inside it. Directories freeing no bytes are left out, unless ``symlink_only``
    asks for those made of symlinks too (what ``rmlint -D``, which sees a link as a small
    file, reports). Sorted by reclaimable bytes (largest first), then by the first path.
    """
    del tree  # the index holds everything needed; the tree is the caller's context
    classes = _classes(index, tuple(ignore), symlink_only)
    order = sorted(classes.items(), key=lambda kv: (-index.entries[kv[1][0]], path_key(kv[1][0])))
    removed: set[str] = set()
    groups: list[TreeGroup] = []
    for digest, members in order:
        survivors = [m for m in members if not _inside(m, removed)]
        if len(survivors) < 2:
            continue
        keep = survivors[0]
        redundant = tuple(survivors[1:])
        removed.update(redundant)
        groups.append(
            TreeGroup(
                digest=digest,
                size=index.bytes[keep],
                files=index.files[keep],
                paths=tuple(survivors),
                keep=keep,
                redundant=redundant,
            )
        )
    groups.sort(key=lambda g: (-g.reclaimable, path_key(g.paths[0])))
    return tuple(groups)


def _shallow(tree: FileTree, index: DirIndex, path: str, skip: str) -> str:
    """Merkle hash of ``path`` leaving out its child called ``skip``."""
    h = hashlib.blake2b(digest_size=16)
    for child_path in tree.children(path):
        child = tree.get(child_path)
        if child is None or child.name == skip:
            continue
        record = f"{child.name}\0{child.kind.value}\0{child.mode & 0o7777:o}\0"
        h.update(record.encode("utf-8", "surrogateescape"))
        h.update(_content(child, tree, index.hashes).encode("utf-8", "surrogateescape"))
        h.update(b"\n")
    return h.hexdigest()


@dataclass(frozen=True, slots=True)
class Recursion:
    """``base`` holds copies of itself nested along ``base/name/name/…`` (``depth`` of them)."""

    base: str
    name: str
    depth: int
    """Nested copies beyond the first (``base`` itself)."""
    copy_size: int
    """Bytes of one copy (``base`` without its ``name`` child)."""
    reclaimable: int
    reclaims: tuple[str, ...]
    chain: tuple[str, ...]
    """The nested copy directories, outermost first."""


def materialised_recursions(tree: FileTree, index: DirIndex) -> tuple[Recursion, ...]:
    """Directories containing copies of themselves along one chain of same-named children.

    A level L+1 = L/name is a copy of L when both, leaving out their ``name`` child, have
    the same Merkle hash. The innermost level may lack the ``name`` child (or hold an empty
    directory where the copier stopped, as rsync does at the 41st link).
    """

    def nested(parent: str, child: str) -> bool:
        name = _name(child)
        if index.bytes[parent] - index.bytes[child] <= 0:
            return False
        n_parent = len(tree.children(parent)) - 1
        n_child = len(tree.children(child)) - (1 if f"{child}/{name}" in tree else 0)
        if n_parent != n_child:
            return False
        return _shallow(tree, index, parent, name) == _shallow(tree, index, child, name)

    found: list[Recursion] = []
    for path in sorted(index.hashes, key=path_key):
        if not path:
            continue
        parent = _parent(path)
        name = _name(path)
        if not nested(parent, path):
            continue
        if parent and _name(parent) == name and _parent(parent) in index.hashes:
            grand = _parent(parent)
            if nested(grand, parent):
                continue  # not the start of the chain: counted from its base
        chain = [path]
        level = path
        while True:
            nxt = f"{level}/{name}"
            entry = tree.get(nxt)
            if entry is None or entry.kind is not FileKind.DIR or not nested(level, nxt):
                break
            chain.append(nxt)
            level = nxt
        tail = f"{level}/{name}"
        tail_entry = tree.get(tail)
        if tail_entry is None or tail_entry.kind is not FileKind.DIR or index.bytes[tail] == 0:
            reclaims: tuple[str, ...] = (path,)
            reclaimable = index.bytes[path]
        else:
            paths = [c for lvl in chain for c in tree.children(lvl) if _name(c) != name]
            reclaims = tuple(sorted(paths, key=path_key))
            reclaimable = sum(
                index.bytes[c] if c in index.hashes else _file_size(tree, c) for c in reclaims
            )
        found.append(
            Recursion(
                base=parent,
                name=name,
                depth=len(chain),
                copy_size=index.bytes[parent] - index.bytes[path],
                reclaimable=reclaimable,
                reclaims=reclaims,
                chain=tuple(chain),
            )
        )
    found.sort(key=lambda r: (-r.reclaimable, path_key(r.base)))
    return tuple(found)


def _file_size(tree: FileTree, path: str) -> int:
    entry = tree.get(path)
    return entry.size if entry is not None and entry.kind is FileKind.FILE else 0


@dataclass(frozen=True, slots=True)
class MaterialisedDirlink:
    """``path`` is a real directory equal to ``target``, which symlinks (``links``) point to."""

    path: str
    target: str
    links: tuple[str, ...]
    size: int
    files: int


def link_targets(tree: FileTree) -> Mapping[str, tuple[str, ...]]:
    """Real directories that symlinks resolve to → the links (sorted), resolved in the tree."""
    targets: dict[str, list[str]] = {}
    symlink = FileKind.SYMLINK
    for entry in tree.entries.values():  # any order: each target's links are sorted below
        if entry.kind is not symlink:
            continue
        res = tree.resolve(entry.path)
        if res.status is not Resolution.OK:
            continue
        target = tree.get(res.path)
        if target is not None and target.kind is FileKind.DIR:
            targets.setdefault(res.path, []).append(entry.path)
    return {t: tuple(sorted(links, key=path_key)) for t, links in targets.items()}


def materialised_dirlinks(
    tree: FileTree, index: DirIndex, ignore: Iterable[str] = ()
) -> tuple[MaterialisedDirlink, ...]:
    """Directories identical to a directory that a symlink elsewhere points to (nixpkgs #25148).

    Only maximal ones: a directory whose parent is itself in a duplicate group is left to
    the parent's finding.
    """
    classes = _classes(index, tuple(ignore))
    in_group = {p for members in classes.values() for p in members}
    targets = link_targets(tree)
    found: list[MaterialisedDirlink] = []
    for members in classes.values():
        linked = [m for m in members if m in targets]
        if not linked:
            continue
        target = linked[0]
        for member in members:
            if member == target or _parent(member) in in_group:
                continue
            if is_under(member, target) or is_under(target, member):
                continue
            found.append(
                MaterialisedDirlink(
                    path=member,
                    target=target,
                    links=targets[target],
                    size=index.bytes[member],
                    files=index.files[member],
                )
            )
    found.sort(key=lambda d: (-d.size, path_key(d.path)))
    return tuple(found)
