"""The dependency graph inside an image or rootfs: Nix store paths, dpkg and apk packages.

``build_image_graph`` looks at the merged file tree (and at what ``ImageScanner`` saw while the
layers streamed by) and returns a DepGraphBuilder plus the owner of every in-image path:

- **Nix store paths**: each top-level entry ``nix/store/<hash>-<name>`` is a component (id
  ``/nix/store/<hash>-<name>``, kind STORE_PATH, self size = its exact NAR size, as ``nix
  path-info`` reports it). Path A references store path B when a file of A (or a symlink
  target in A) contains B's 32-character hash part, exactly as Nix scans a NAR for the hash
  parts of a candidate set (here: the store paths present in the image). The evidence of an
  edge is the sorted list of A's files that mention B.
- **dpkg** (``var/lib/dpkg/status`` + ``info/*.list``, or distroless ``status.d/``) and **apk**
  (``lib/apk/db/installed``): each installed package is a component (``deb:NAME`` /
  ``apk:NAME``, kind PACKAGE, self size = apparent bytes of the files it owns in the tree);
  Depends / Pre-Depends (dpkg) and ``D:`` (apk) are the edges, virtual names and ``so:`` /
  ``cmd:`` / path dependencies resolved through Provides (``p:`` for apk).
- **everything else**: files outside the store and owned by no package form one ``unowned``
  component when there are packages, else one ``dir:TOP`` component per top-level directory.
  Their mentions of store paths are edges too (``dir:etc`` → cacert because
  ``etc/ssl/certs/ca-bundle.crt`` is a symlink into it).

Roots: every non-store, non-package component, the store paths the image config's
Entrypoint/Cmd/Env names, the owner of the program it runs (``Entrypoint[0]`` or ``Cmd[0]``,
resolved inside the tree: ``/bin/bash`` → ``deb:bash``), and every component nobody
references.

Package dependencies may form cycles (libc6 ↔ libgcc-s1); hash scanning may produce a
false-positive cycle between store paths. The builder keeps them: build it with
``allow_cycles=True``.

When the tree has neither a store nor a package database, the result is None and the caller
falls back to layers or top-level directories.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from closurescope.loaders._nar import nar_size
from closurescope.loaders._nixscan import NixScanResult, candidate_hashes
from closurescope.model import (
    Component,
    ComponentKind,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTree,
    ImageConfig,
    Layer,
    NodeId,
    Resolution,
    split_name_version,
)

STORE_DIR = "nix/store"
_STORE_NAME_RE = re.compile(
    r"^(?P<hash>[0123456789abcdfghijklmnpqrsvwxyz]{32})-[0-9A-Za-z+\-._?=]+$"
)
UNOWNED = NodeId("unowned")
_NOT_NAR = (FileKind.CHAR, FileKind.BLOCK, FileKind.FIFO, FileKind.SOCKET)

DPKG_STATUS = "var/lib/dpkg/status"
DPKG_STATUS_D = "var/lib/dpkg/status.d"
DPKG_INFO = "var/lib/dpkg/info"
APK_INSTALLED = ("lib/apk/db/installed", "usr/lib/apk/db/installed")

# dpkg states in which the package's files are on disk
_DPKG_ABSENT = {"not-installed", "config-files"}


@dataclass(slots=True)
class _Package:
    """One installed package as its database describes it (filled in while parsing)."""

    id: NodeId
    name: str
    version: str | None
    arch: str | None
    db_path: str
    depends: list[list[str]] = field(default_factory=list)
    """Groups of alternatives (``a | b``), each a bare name."""
    provides: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    """Paths as the database lists them (relative, no leading ``/``)."""


# --------------------------------------------------------------------------------------------
# entry point


def build_image_graph(
    tree: FileTree,
    layers: Sequence[Layer],
    config: ImageConfig | None,
    scan: NixScanResult | None,
    *,
    diagnostics: list[str] | None = None,
) -> tuple[DepGraphBuilder, dict[str, str]] | None:
    """The graph of ``tree``'s store paths / packages, and every in-image path's owner id.

    Returns None when the tree has neither ``nix/store/<hash>-<name>`` entries nor a dpkg or
    apk database. ``diagnostics``, when given, receives one-line notes (unreadable databases,
    files owned by no package, unscanned contents).
    """
    del layers  # the merged tree is all this needs; layers stay in the signature for callers
    notes: list[str] = diagnostics if diagnostics is not None else []
    stores = store_paths(tree)
    packages = _read_packages(tree, scan, notes)
    if not stores and not packages:
        return None
    if stores and scan is None:
        notes.append("file contents were not scanned: store references come from symlinks only")

    builder = DepGraphBuilder()
    owners: dict[str, str] = {}
    present = {h: sid for sid, (h, _) in stores.items()}

    # 1. store paths
    for sid, (_, top) in sorted(stores.items()):
        name = top.rsplit("/", 1)[-1][33:]
        version = split_name_version(name)[1] or None
        builder.add(
            Component(
                id=sid,
                kind=ComponentKind.STORE_PATH,
                name=name,
                version=version,
                self_size=nar_size(tree, top),
                file_count=0,
            )
        )
    # 2. packages and their files
    pkg_owner = _package_owners(tree, packages)

    # 3. one pass over the tree: owner, size and count, store references
    sizes: dict[str, int] = {}
    counts: dict[str, int] = {}
    refs: dict[tuple[str, str], list[str]] = {}
    for entry in tree:
        owner = _owner(tree, entry, stores, pkg_owner, bool(packages))
        if owner is None:
            continue
        owners[entry.path] = owner
        if entry.kind is not FileKind.DIR:
            counts[owner] = counts.get(owner, 0) + 1
        if entry.kind is FileKind.FILE:
            sizes[owner] = sizes.get(owner, 0) + entry.size
        if present:
            for h in sorted(_entry_hashes(tree, entry, scan) & present.keys()):
                target = present[h]
                if target != owner:
                    refs.setdefault((owner, target), []).append(entry.path)

    for sid in stores:
        comp = builder.get(sid)
        assert comp is not None
        builder.add(_with_count(comp, counts.get(sid, 0)))
    for pkg in packages.values():
        builder.add(
            Component(
                id=pkg.id,
                kind=ComponentKind.PACKAGE,
                name=pkg.name,
                version=pkg.version,
                self_size=sizes.get(pkg.id, 0),
                file_count=counts.get(pkg.id, 0),
            )
        )
    groups = sorted({o for o in owners.values() if o not in stores and o not in packages})
    for group in groups:
        builder.add(
            Component(
                id=NodeId(group),
                kind=ComponentKind.UNOWNED if group == UNOWNED else ComponentKind.DIRECTORY,
                name=group if group == UNOWNED else "/" + group.removeprefix("dir:"),
                self_size=sizes.get(group, 0),
                file_count=counts.get(group, 0),
            )
        )
    if packages and UNOWNED in counts:
        notes.append(
            f"{counts[UNOWNED]} files ({sizes.get(UNOWNED, 0)} bytes) belong to no package; "
            "they form the component 'unowned'"
        )

    # 4. edges
    for (src, dst), evidence in sorted(refs.items()):
        builder.add_reference(NodeId(src), NodeId(dst), evidence)
    _package_edges(builder, packages, notes)

    # 5. roots
    referenced: set[str] = {dst for (_, dst) in refs}
    referenced.update(_package_targets(packages))
    roots: set[str] = set(groups)
    if config is not None:
        roots.update(config_store_paths(config, present))
        roots.update(_program_owner(tree, config, owners))
    for node in [*stores, *packages]:
        if node not in referenced:
            roots.add(node)
    for root in sorted(roots):
        builder.add_root(NodeId(root))
    return builder, owners


def _with_count(comp: Component, count: int) -> Component:
    return Component(
        id=comp.id,
        kind=comp.kind,
        name=comp.name,
        version=comp.version,
        self_size=comp.self_size,
        file_count=count,
    )


# --------------------------------------------------------------------------------------------
# Nix store paths


def store_paths(tree: FileTree) -> dict[NodeId, tuple[str, str]]:
    """Store path id → (hash part, in-image path) for every valid top-level store entry."""
    out: dict[NodeId, tuple[str, str]] = {}
    for path in tree.children(STORE_DIR):
        name = path.rsplit("/", 1)[-1]
        match = _STORE_NAME_RE.match(name)
        entry = tree.get(path)
        if match is None or len(name) > 32 + 1 + 211 or entry is None or entry.kind in _NOT_NAR:
            continue  # not a store path name, or a device/FIFO/socket (no NAR can hold one)
        out[NodeId("/" + path)] = (match.group("hash"), path)
    return out


def _owner(
    tree: FileTree,
    entry: FileEntry,
    stores: Mapping[NodeId, tuple[str, str]],
    pkg_owner: Mapping[str, NodeId],
    have_packages: bool,
) -> str | None:
    path = entry.path
    if path.startswith(STORE_DIR + "/"):
        top = path[: path.find("/", len(STORE_DIR) + 1)] if path.count("/") > 2 else path
        if "/" + top in stores:
            return "/" + top
    owner = pkg_owner.get(path)
    if owner is not None:
        return owner
    if entry.kind is FileKind.DIR and (have_packages or path in ("nix", STORE_DIR)):
        return None  # directories are shared; the store's own folders belong to nobody
    if have_packages:
        return UNOWNED
    top_entry = tree.get(path.split("/", 1)[0])
    if top_entry is None or top_entry.kind is not FileKind.DIR:
        return UNOWNED  # a top-level file or symlink (``bin -> /nix/store/…/bin``)
    return "dir:" + top_entry.path


def _entry_hashes(tree: FileTree, entry: FileEntry, scan: NixScanResult | None) -> set[str]:
    """Candidate hashes in a file's content (via the scan) or a symlink's target."""
    if entry.kind is FileKind.SYMLINK:
        return candidate_hashes((entry.link_target or "").encode("utf-8", "surrogateescape"))
    if scan is None:
        return set()
    if entry.kind is FileKind.FILE:
        return set(scan.hashes_of(entry))
    if entry.kind is FileKind.HARDLINK:
        target = tree.get(entry.link_target or "")
        hops = 0
        while target is not None and target.kind is FileKind.HARDLINK and hops < 40:
            target = tree.get(target.link_target or "")
            hops += 1
        if target is not None and target.kind is FileKind.FILE:
            return set(scan.hashes_of(target))
    return set()


def config_store_paths(config: ImageConfig, present: Mapping[str, NodeId]) -> set[NodeId]:
    """Store paths named by the config's Entrypoint, Cmd or Env (present in the image)."""
    texts: list[str] = [*config.env, *(config.entrypoint or ()), *(config.cmd or ())]
    found: set[NodeId] = set()
    for text in texts:
        for h in candidate_hashes(text.encode("utf-8", "surrogateescape")):
            if h in present:
                found.add(present[h])
    return found


def _program_owner(tree: FileTree, config: ImageConfig, owners: Mapping[str, str]) -> set[str]:
    """The owner of the program the container runs (Entrypoint[0], else Cmd[0]), if known."""
    argv = config.entrypoint or config.cmd or ()
    if not argv or not argv[0].startswith("/"):
        return set()
    resolved = tree.resolve(argv[0])
    owner = owners.get(resolved.path) if resolved.status is Resolution.OK else None
    return {owner} if owner is not None else set()


# --------------------------------------------------------------------------------------------
# package databases


def _content(tree: FileTree, scan: NixScanResult | None, path: str) -> bytes | None:
    entry = tree.get(path)
    if entry is None or entry.kind is not FileKind.FILE or scan is None:
        return None
    return scan.content_of(entry)


def _read_packages(
    tree: FileTree, scan: NixScanResult | None, notes: list[str]
) -> dict[NodeId, _Package]:
    """Installed packages from dpkg's or apk's database (dpkg first), by component id."""
    has_dpkg = tree.get(DPKG_STATUS) is not None or bool(tree.children(DPKG_STATUS_D))
    has_apk = any(tree.get(p) is not None for p in APK_INSTALLED)
    if (has_dpkg or has_apk) and scan is None:
        notes.append("a package database is present but its content was not read")
        return {}
    packages: list[_Package] = []
    if has_dpkg:
        packages = read_dpkg(tree, scan, notes)
    if not packages and has_apk:
        for path in APK_INSTALLED:
            data = _content(tree, scan, path)
            if data is not None:
                packages = parse_apk_installed(data.decode("utf-8", "replace"), path)
                break
    return {p.id: p for p in packages}


def _stanzas(text: str) -> Iterable[dict[str, str]]:
    """RFC 822-style stanzas (dpkg): ``Field: value`` plus continuation lines."""
    fields: dict[str, str] = {}
    key: str | None = None
    for line in text.splitlines():
        if not line.strip():
            if fields:
                yield fields
            fields, key = {}, None
            continue
        if line[0] in " \t":
            if key is not None:
                fields[key] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep:
            continue
        key = name.strip().lower()
        fields[key] = value.strip()
    if fields:
        yield fields


_DEP_NAME_RE = re.compile(r"^\s*([^\s(\[<:]+)")


def parse_dpkg_relation(text: str) -> list[list[str]]:
    """``a (>= 1) | b:any, c [amd64]`` → ``[["a", "b"], ["c"]]`` (bare names, in order)."""
    groups: list[list[str]] = []
    for group in text.split(","):
        alts: list[str] = []
        for alt in group.split("|"):
            match = _DEP_NAME_RE.match(alt)
            if match:
                alts.append(match.group(1))
        if alts:
            groups.append(alts)
    return groups


def read_dpkg(tree: FileTree, scan: NixScanResult | None, notes: list[str]) -> list[_Package]:
    """Installed packages of ``var/lib/dpkg/status`` (or distroless ``status.d/*``)."""
    stanzas: list[tuple[str, dict[str, str]]] = []
    status = _content(tree, scan, DPKG_STATUS)
    if status is not None:
        stanzas.extend((DPKG_STATUS, s) for s in _stanzas(status.decode("utf-8", "replace")))
    elif tree.get(DPKG_STATUS) is not None:
        notes.append(f"{DPKG_STATUS}: not read")
    md5sums: dict[str, str] = {}
    for path in tree.children(DPKG_STATUS_D):
        data = _content(tree, scan, path)
        if data is None:
            continue
        text = data.decode("utf-8", "replace")
        if path.endswith(".md5sums"):
            md5sums[path.rsplit("/", 1)[-1].removesuffix(".md5sums")] = text
        else:
            stanzas.extend((path, s) for s in _stanzas(text))
    installed = []
    for db_path, fields in stanzas:
        name = fields.get("package")
        if not name:
            continue
        state = fields.get("status", "install ok installed").split()
        if state and state[-1] in _DPKG_ABSENT:
            continue
        installed.append((db_path, name, fields))
    names = [name for _, name, _ in installed]
    packages = []
    for db_path, name, fields in installed:
        arch = fields.get("architecture")
        ident = f"deb:{name}" if names.count(name) == 1 else f"deb:{name}:{arch}"
        pkg = _Package(
            id=NodeId(ident),
            name=name,
            version=fields.get("version"),
            arch=arch,
            db_path=db_path,
            depends=[
                *parse_dpkg_relation(fields.get("pre-depends", "")),
                *parse_dpkg_relation(fields.get("depends", "")),
            ],
            provides=[g[0] for g in parse_dpkg_relation(fields.get("provides", ""))],
        )
        pkg.files = _dpkg_files(tree, scan, name, arch, md5sums)
        packages.append(pkg)
    return packages


def _dpkg_files(
    tree: FileTree,
    scan: NixScanResult | None,
    name: str,
    arch: str | None,
    md5sums: Mapping[str, str],
) -> list[str]:
    if name in md5sums:  # distroless: "<md5>  <path>" lines
        return [
            line.split(None, 1)[1].lstrip("/")
            for line in md5sums[name].splitlines()
            if len(line.split(None, 1)) == 2
        ]
    for candidate in (f"{name}:{arch}", name):
        data = _content(tree, scan, f"{DPKG_INFO}/{candidate}.list")
        if data is not None:
            return [
                line.lstrip("/")
                for line in data.decode("utf-8", "surrogateescape").splitlines()
                if line.strip("/").strip() and line.strip() != "/."
            ]
    return []


def parse_apk_installed(text: str, db_path: str) -> list[_Package]:
    """Packages of an apk ``installed`` database (``P:``, ``V:``, ``D:``, ``p:``, ``F:``/``R:``)."""
    packages: list[_Package] = []
    current: _Package | None = None
    directory = ""
    for raw in [*text.splitlines(), ""]:
        line = raw.rstrip("\r")
        if not line:
            if current is not None:
                packages.append(current)
            current, directory = None, ""
            continue
        key, sep, value = line.partition(":")
        if not sep or len(key) != 1:
            continue
        if current is None:
            current = _Package(id=NodeId(""), name="", version=None, arch=None, db_path=db_path)
        if key == "P":
            current.name = value
            current.id = NodeId(f"apk:{value}")
        elif key == "V":
            current.version = value
        elif key == "A":
            current.arch = value
        elif key == "D":
            current.depends = [
                [_apk_name(token)] for token in value.split() if not token.startswith("!")
            ]
        elif key == "p":
            current.provides = [_apk_name(token) for token in value.split()]
        elif key == "F":
            directory = value.strip("/")
        elif key == "R":
            current.files.append(f"{directory}/{value}" if directory else value)
    return [p for p in packages if p.name]


_APK_OP_RE = re.compile(r"[<>=~]")


def _apk_name(token: str) -> str:
    """``so:libc.musl-x86_64.so.1=1`` → ``so:libc.musl-x86_64.so.1``; ``zlib>=1.2`` → ``zlib``."""
    match = _APK_OP_RE.search(token)
    return token[: match.start()] if match else token


def _package_owners(tree: FileTree, packages: Mapping[NodeId, _Package]) -> dict[str, NodeId]:
    """In-image path → owning package, for the non-directory entries the databases list.

    A listed path missing from the tree is looked up through the tree's symlinks (a merged
    ``/usr`` lists ``bin/ls``, the tree holds ``usr/bin/ls``). When two packages list one
    file, the first by id keeps it.
    """
    owners: dict[str, NodeId] = {}
    for pid in sorted(packages):
        for listed in packages[pid].files:
            entry = tree.get(listed)
            path = listed
            if entry is None:
                resolved = tree.resolve(listed, follow_last=False)
                if resolved.status is not Resolution.OK:
                    continue
                path = resolved.path
                entry = tree.get(path)
            if entry is None or entry.kind is FileKind.DIR:
                continue
            owners.setdefault(path, pid)
    return owners


def _providers(packages: Mapping[NodeId, _Package]) -> dict[str, list[NodeId]]:
    out: dict[str, list[NodeId]] = {}
    for pid in sorted(packages):
        pkg = packages[pid]
        for name in [pkg.name, *pkg.provides]:
            out.setdefault(name, []).append(pid)
    return out


def _resolve_dep(
    pkg: _Package,
    alts: Sequence[str],
    providers: Mapping[str, list[NodeId]],
) -> NodeId | None:
    for alt in alts:
        candidates = providers.get(alt)
        if not candidates:
            continue
        own_name = [c for c in candidates if c.startswith(("deb:", "apk:")) and _bare(c) == alt]
        same_arch = [c for c in own_name if pkg.arch is None or c.endswith(f":{pkg.arch}")]
        return (same_arch or own_name or candidates)[0]
    return None


def _bare(pid: str) -> str:
    return pid.split(":", 2)[1]


def _dep_targets(packages: Mapping[NodeId, _Package]) -> dict[tuple[NodeId, NodeId], str]:
    providers = _providers(packages)
    edges: dict[tuple[NodeId, NodeId], str] = {}
    for pid in sorted(packages):
        pkg = packages[pid]
        for alts in pkg.depends:
            target = _resolve_dep(pkg, alts, providers)
            if target is None and alts[0].startswith("/"):
                target = _path_owner(packages, alts[0].lstrip("/"))
            if target is not None and target != pid:
                edges[(pid, target)] = pkg.db_path
    return edges


def _path_owner(packages: Mapping[NodeId, _Package], path: str) -> NodeId | None:
    for pid in sorted(packages):
        if path in packages[pid].files:
            return pid
    return None


def _package_targets(packages: Mapping[NodeId, _Package]) -> set[NodeId]:
    return {dst for (_, dst) in _dep_targets(packages)}


def _package_edges(
    builder: DepGraphBuilder, packages: Mapping[NodeId, _Package], notes: list[str]
) -> None:
    edges = _dep_targets(packages)
    for (src, dst), db_path in sorted(edges.items()):
        builder.add_reference(src, dst, [db_path])
    providers = _providers(packages)
    missing = sorted(
        {
            " | ".join(alts)
            for pkg in packages.values()
            for alts in pkg.depends
            if _resolve_dep(pkg, alts, providers) is None
            and not (alts[0].startswith("/") and _path_owner(packages, alts[0].lstrip("/")))
        }
    )
    if missing:
        shown = ", ".join(missing[:10]) + (" …" if len(missing) > 10 else "")
        notes.append(f"{len(missing)} package dependencies are not installed: {shown}")


__all__ = [
    "UNOWNED",
    "build_image_graph",
    "config_store_paths",
    "parse_apk_installed",
    "parse_dpkg_relation",
    "read_dpkg",
    "store_paths",
]
