"""The graph inside an image: store paths (against real Nix), dpkg (real debootstrap), apk."""

from __future__ import annotations

import gzip
import io
import json
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from closurescope.loaders._imagegraph import (
    build_image_graph,
    parse_apk_installed,
    parse_dpkg_relation,
)
from closurescope.loaders._nar import nar_size
from closurescope.loaders._nixscan import ImageScanner, NixScanResult, wants_capture
from closurescope.model import (
    ComponentKind,
    DepGraph,
    FileEntry,
    FileKind,
    FileTree,
    FileTreeBuilder,
    ImageConfig,
    NodeId,
)

ROOT = Path(__file__).resolve().parents[3]
NIX_SAMPLES = ROOT / "sample-closures" / "nix"
DISTRO = ROOT / "sample-closures" / "distro"

HA = "0c5pvz5xq1hpcx3rsmwxbqqjpc2kdcxi"
HB = "9xjrkm4bdiz0ayfasyj1bkd5s7a8n3i1"
HC = "ng5hxh9bsfwda0jvlxsg8h98ay68mwb3"
HD = "zrpl8bhgl2qiwr0siw5fbz99kq37l874"
A = f"nix/store/{HA}-hello-server-1.0"
B = f"nix/store/{HB}-glibc-2.39"
C = f"nix/store/{HC}-nss-cacert-3.98"
D = f"nix/store/{HD}-unused-1"

_KINDS = {
    "file": FileKind.FILE,
    "dir": FileKind.DIR,
    "symlink": FileKind.SYMLINK,
    "hardlink": FileKind.HARDLINK,
    "char": FileKind.CHAR,
    "fifo": FileKind.FIFO,
}


def build(
    tree: FileTree, scan: NixScanResult | None, config: ImageConfig | None = None
) -> tuple[DepGraph, dict[str, str], list[str]]:
    notes: list[str] = []
    result = build_image_graph(tree, (), config, scan, diagnostics=notes)
    assert result is not None
    builder, owners = result
    return builder.build(allow_cycles=True), owners, notes


def stream(scanner: ImageScanner, entry: FileEntry, data: bytes, layer: int = 0) -> None:
    """Feed one file's bytes as a loader would, in uneven chunks."""
    sink = scanner.begin(layer, entry.path, entry)
    for i in range(0, len(data), 777):
        sink.update(data[i : i + 777])
    sink.end()


# --- a hand-built Nix image ----------------------------------------------------------------


def nix_tree() -> tuple[FileTree, NixScanResult]:
    contents = {
        f"{A}/bin/hello-server": f"ELF.../{B}/lib/ld-linux.so\x00{HC}\x00{HA}".encode(),
        f"{A}/share/doc": b"no references",
        f"{B}/lib/libc.so.6": b"\x7fELF" + bytes(range(256)) * 8,
        f"{C}/etc/ssl/certs/ca-bundle.crt": b"-----BEGIN CERTIFICATE-----\n",
        f"{D}": f"a single-file store path naming {HB}".encode(),
        "etc/profile": f"PATH=/nix/store/{HA}-hello-server-1.0/bin".encode(),
        "etc/hostname": b"box\n",
        "nix/var/nix/db/db.sqlite": f"/nix/store/{HD}-unused-1".encode(),
    }
    builder = FileTreeBuilder()
    scanner = ImageScanner()
    for path, data in contents.items():
        entry = FileEntry(path=path, kind=FileKind.FILE, size=len(data), mode=0o555)
        builder.add(entry)
        stream(scanner, entry, data)
    links = {
        f"{A}/lib/libc.so.6": f"/{B}/lib/libc.so.6",
        "etc/ssl/certs/ca-bundle.crt": f"/{C}/etc/ssl/certs/ca-bundle.crt",
        "bin": f"/{A}/bin",
    }
    for path, target in links.items():
        builder.add(FileEntry(path=path, kind=FileKind.SYMLINK, mode=0o777, link_target=target))
    builder.add(
        FileEntry(
            path=f"{C}/etc/ssl/certs/again.crt",
            kind=FileKind.HARDLINK,
            link_target=f"{A}/bin/hello-server",
        )
    )
    builder.add(FileEntry(path="tmp", kind=FileKind.DIR, mode=0o1777))
    builder.add(FileEntry(path="nix/store/not-a-store-path", kind=FileKind.FILE, size=3))
    return builder.build(), scanner.result()


def test_nix_store_paths_components_edges_and_evidence() -> None:
    tree, scan = nix_tree()
    config = ImageConfig(entrypoint=(f"/{A}/bin/hello-server",), env=("PATH=/bin",))
    graph, owners, notes = build(tree, scan, config)
    store = {n for n in graph if n.startswith("/nix/store/")}
    assert store == {"/" + A, "/" + B, "/" + C, "/" + D}
    for top in (A, B, C, D):
        comp = graph.component(NodeId("/" + top))
        assert comp.kind is ComponentKind.STORE_PATH
        assert comp.self_size == nar_size(tree, top)
    a = graph.component(NodeId("/" + A))
    assert (a.name, a.version, a.file_count) == ("hello-server-1.0", "1.0", 3)
    assert graph.references(NodeId("/" + A)) == ("/" + B, "/" + C)  # self-reference ignored
    assert graph.evidence(NodeId("/" + A), NodeId("/" + B)) == (
        f"{A}/bin/hello-server",
        f"{A}/lib/libc.so.6",
    )
    # the hardlink in C shares hello-server's bytes, so C mentions A and B as well
    assert graph.references(NodeId("/" + C)) == ("/" + A, "/" + B)
    assert graph.evidence(NodeId("/" + C), NodeId("/" + A)) == (f"{C}/etc/ssl/certs/again.crt",)
    assert graph.references(NodeId("/" + D)) == ("/" + B,)
    # files outside the store: per top-level directory, top-level links in "unowned"
    assert graph.references(NodeId("dir:etc")) == ("/" + A, "/" + C)
    assert graph.evidence(NodeId("dir:etc"), NodeId("/" + C)) == ("etc/ssl/certs/ca-bundle.crt",)
    assert graph.references(NodeId("unowned")) == ("/" + A,)
    assert graph.references(NodeId("dir:nix")) == ("/" + D,)  # the Nix db names D
    assert graph.component(NodeId("dir:tmp")).self_size == 0
    assert graph.component(NodeId("dir:etc")).file_count == 3
    # roots: every non-store component, the entrypoint's store path, and what nobody references
    assert set(graph.roots) == {"dir:etc", "dir:nix", "dir:tmp", "unowned", "/" + A}
    assert owners[f"{A}/bin/hello-server"] == "/" + A
    assert owners[A] == "/" + A
    assert owners["etc/hostname"] == "dir:etc"
    assert owners["nix/store/not-a-store-path"] == "dir:nix"
    assert "nix/store" not in owners
    assert notes == []


def test_a_cycle_from_hash_scanning_is_kept() -> None:
    tree, scan = nix_tree()
    graph, _, _ = build(tree, scan)
    # A mentions C and C's hardlinked file mentions A: Nix would never register this, but the
    # bytes say so; the builder keeps it and needs allow_cycles
    assert "/" + C in graph.references(NodeId("/" + A))
    assert "/" + A in graph.references(NodeId("/" + C))


def test_without_a_scan_only_symlinks_count() -> None:
    tree, _ = nix_tree()
    graph, _, notes = build(tree, None)
    assert graph.references(NodeId("/" + A)) == ("/" + B,)
    assert graph.evidence(NodeId("/" + A), NodeId("/" + B)) == (f"{A}/lib/libc.so.6",)
    assert any("not scanned" in n for n in notes)


def test_nothing_to_build_returns_none() -> None:
    builder = FileTreeBuilder()
    builder.add(FileEntry(path="usr/bin/env", kind=FileKind.FILE, size=10))
    assert build_image_graph(builder.build(), (), None, ImageScanner().result()) is None


# --- real images made from the real Nix store, against nix path-info -------------------------


def read_docker_archive(path: Path) -> tuple[FileTree, NixScanResult, ImageConfig]:
    """A minimal independent reader (stdlib tarfile) for the single-layer sample images."""
    builder = FileTreeBuilder()
    scanner = ImageScanner()
    with tarfile.open(path) as outer:
        manifest = json.load(outer.extractfile("manifest.json"))  # type: ignore[arg-type]
        raw = json.load(outer.extractfile(manifest[0]["Config"]))  # type: ignore[arg-type]
        cfg = raw.get("config") or {}
        config = ImageConfig(
            env=tuple(cfg.get("Env") or ()),
            entrypoint=tuple(cfg["Entrypoint"]) if cfg.get("Entrypoint") else None,
            cmd=tuple(cfg["Cmd"]) if cfg.get("Cmd") else None,
        )
        for index, name in enumerate(manifest[0]["Layers"]):
            with tarfile.open(fileobj=outer.extractfile(name), mode="r|") as layer:
                for info in layer:
                    member = info.name.lstrip("./").rstrip("/")
                    if not member:
                        continue
                    if info.isdir():
                        builder.add(FileEntry(path=member, kind=FileKind.DIR, mode=info.mode))
                    elif info.issym():
                        builder.add(
                            FileEntry(
                                path=member,
                                kind=FileKind.SYMLINK,
                                mode=info.mode,
                                link_target=info.linkname,
                            )
                        )
                    elif info.islnk():
                        builder.add(
                            FileEntry(
                                path=member,
                                kind=FileKind.HARDLINK,
                                mode=info.mode,
                                link_target=info.linkname.lstrip("./"),
                            )
                        )
                    elif info.isfile():
                        entry = FileEntry(
                            path=member, kind=FileKind.FILE, size=info.size, mode=info.mode
                        )
                        fh = layer.extractfile(info)
                        assert fh is not None
                        stream(scanner, entry, fh.read(), index)
                        builder.add(entry)
    return builder.build(), scanner.result(), config


@pytest.mark.parametrize(
    ("image", "info"),
    [
        ("app-full.docker.tar", "app-image-root-full.path-info-S.json"),
        ("app-minimal.docker.tar", "app-image-root-minimal.path-info-S.json"),
    ],
)
def test_store_paths_in_real_images_equal_nix(image: str, info: str) -> None:
    """NAR sizes and references read from an image equal Nix's own (``nix path-info``)."""
    archive = NIX_SAMPLES / "images" / image
    if not archive.exists():
        pytest.skip(f"{archive} is not there")
    tree, scan, config = read_docker_archive(archive)
    graph, owners, _ = build(tree, scan, config)
    real = {p["path"]: p for p in json.loads((NIX_SAMPLES / info).read_text())}
    store = {n: graph.component(n) for n in graph if n.startswith("/nix/store/")}
    assert set(store) == set(real)
    for path, comp in sorted(store.items()):
        assert comp.self_size == real[path]["narSize"], path
        expected = tuple(sorted(r for r in real[path]["references"] if r != path))
        assert graph.references(path) == expected, path
        for dep in expected:
            assert graph.evidence(path, NodeId(dep)), (path, dep)
    # no cycles: real store paths never have them
    assert graph.closure(graph.roots) == frozenset(graph)
    assert all(owners[p.removeprefix("/")] == p for p in store)


# --- dpkg: a real debootstrap (minbase bookworm) -------------------------------------------


def manifest_tree(manifest: Path, db_root: Path) -> tuple[FileTree, NixScanResult, int]:
    """The tree of a committed manifest; database files streamed from the committed copies."""
    builder = FileTreeBuilder()
    scanner = ImageScanner()
    captured = 0
    with gzip.open(manifest, "rt", encoding="utf-8") as fh:
        for line in fh:
            path, kind, size, mode, target = json.loads(line)
            entry = FileEntry(
                path=path, kind=_KINDS[kind], size=size, mode=mode, link_target=target
            )
            builder.add(entry)
            if kind == "file" and wants_capture(path) and (db_root / path).exists():
                data = (db_root / path).read_bytes()
                assert len(data) == size, path
                stream(scanner, entry, data)
                captured += 1
    return builder.build(), scanner.result(), captured


DEB = DISTRO / "debian-bookworm-minbase"


def deb_graph() -> tuple[FileTree, DepGraph, dict[str, str], list[str]]:
    tree, scan, captured = manifest_tree(DISTRO / "debian-bookworm-minbase.manifest.jsonl.gz", DEB)
    assert captured == 1 + len(list((DEB / "var/lib/dpkg/info").glob("*.list")))
    graph, owners, notes = build(tree, scan)
    return tree, graph, owners, notes


def test_dpkg_packages_match_dpkg_query() -> None:
    _, graph, _, _ = deb_graph()
    packages = {n: graph.component(n) for n in graph if n.startswith("deb:")}
    if shutil.which("dpkg-query") is None:
        pytest.skip("dpkg-query is not installed")
    out = subprocess.run(
        [
            "dpkg-query",
            f"--admindir={DEB / 'var/lib/dpkg'}",
            "-W",
            "-f",
            "${Package}\t${Version}\n",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    real = dict(line.split("\t") for line in out.splitlines())
    assert {n.removeprefix("deb:") for n in packages} == set(real)
    for node, comp in packages.items():
        assert comp.kind is ComponentKind.PACKAGE
        assert comp.version == real[node.removeprefix("deb:")]


def test_dpkg_sizes_add_up_and_usrmerge_paths_resolve() -> None:
    tree, graph, owners, notes = deb_graph()
    total = tree.total_size()
    assert sum(graph.component(n).self_size or 0 for n in graph) == total
    # bookworm's coreutils lists /bin/ls; the merged-/usr tree holds it as usr/bin/ls
    assert owners["usr/bin/ls"] == "deb:coreutils"
    assert "bin/ls" not in tree
    libc = graph.component(NodeId("deb:libc6"))
    listed = (DEB / "var/lib/dpkg/info/libc6:amd64.list").read_text().split()
    own = 0
    for line in listed:
        entry = tree.get(line.lstrip("/"))
        if entry is None:
            resolved = tree.resolve(line.lstrip("/"), follow_last=False)
            entry = tree.get(resolved.path)
        if entry is not None and entry.kind is FileKind.FILE:
            own += entry.size
    assert libc.self_size == own
    assert libc.self_size is not None
    assert libc.self_size > 10_000_000
    # files the database does not list (the database itself, generated config) are unowned
    assert owners["var/lib/dpkg/status"] == "unowned"
    assert graph.component(NodeId("unowned")).kind is ComponentKind.UNOWNED
    assert any("belong to no package" in n for n in notes)


def test_dpkg_depends_alternatives_virtuals_and_cycles() -> None:
    _, graph, _, _ = deb_graph()
    refs = graph.references
    assert "deb:libc6" in refs(NodeId("deb:coreutils"))  # Pre-Depends
    assert "deb:libgcc-s1" in refs(NodeId("deb:libc6"))
    assert "deb:libc6" in refs(NodeId("deb:libgcc-s1"))  # a real dependency cycle
    # "debconf (>= 0.5) | debconf-2.0": the first alternative is installed
    assert "deb:debconf" in refs(NodeId("deb:passwd")) or "deb:debconf" in refs(
        NodeId("deb:libpam-runtime")
    )
    # mawk provides awk; base-files is depended on by nobody that matters but is a root
    awk_users = graph.referrers(NodeId("deb:mawk"))
    assert awk_users, "the virtual package awk resolves to its provider"
    assert "unowned" in graph.roots
    assert graph.evidence(NodeId("deb:libc6"), NodeId("deb:libgcc-s1")) == ("var/lib/dpkg/status",)


def test_dpkg_relation_parsing() -> None:
    assert parse_dpkg_relation("a (>= 1.0) | b:any, c [amd64], d:native (<< 2)") == [
        ["a", "b"],
        ["c"],
        ["d"],
    ]
    assert parse_dpkg_relation("") == []


def test_distroless_status_d() -> None:
    builder = FileTreeBuilder()
    scanner = ImageScanner()
    files = {
        "var/lib/dpkg/status.d/libc6": (
            b"Package: libc6\nVersion: 2.36-9\nArchitecture: amd64\nDepends: libgcc-s1\n"
        ),
        "var/lib/dpkg/status.d/libc6.md5sums": (
            b"0123456789abcdef0123456789abcdef  lib/x86_64-linux-gnu/libc.so.6\n"
        ),
        "var/lib/dpkg/status.d/base-files": b"Package: base-files\nVersion: 12.4\nDepends: libc6\n",
        "lib/x86_64-linux-gnu/libc.so.6": b"\x7fELF" * 100,
        "app/main": b"#!/bin/sh\n",
    }
    for path, data in files.items():
        entry = FileEntry(path=path, kind=FileKind.FILE, size=len(data))
        builder.add(entry)
        stream(scanner, entry, data)
    builder.add(
        FileEntry(path="lib64/ld.so", kind=FileKind.SYMLINK, link_target="../lib/x86_64-linux-gnu")
    )
    tree = builder.build()
    assert set(build(tree, scanner.result())[0].roots) == {"deb:base-files", "unowned"}
    config = ImageConfig(entrypoint=("/lib64/ld.so/libc.so.6",))
    graph, owners, notes = build(tree, scanner.result(), config)
    assert set(graph) == {"deb:libc6", "deb:base-files", "unowned"}
    # the entrypoint (through a symlink) is libc6's file: libc6 becomes a root as well
    assert set(graph.roots) == {"deb:libc6", "deb:base-files", "unowned"}
    assert graph.component(NodeId("deb:libc6")).self_size == 400
    assert owners["lib/x86_64-linux-gnu/libc.so.6"] == "deb:libc6"
    assert owners["app/main"] == "unowned"
    assert any("libgcc-s1" in n and "not installed" in n for n in notes)


# --- apk: a hand-written installed database ---------------------------------------------------

APK = DISTRO / "alpine-3.19-hand"


def test_apk_packages_files_and_dependencies() -> None:
    tree, scan, captured = manifest_tree(DISTRO / "alpine-3.19-hand.manifest.jsonl.gz", APK)
    assert captured == 1
    graph, owners, notes = build(tree, scan)
    text = (APK / "lib/apk/db/installed").read_text()
    names = {line[2:] for line in text.splitlines() if line.startswith("P:")}
    assert {n.removeprefix("apk:") for n in graph if n.startswith("apk:")} == names
    refs = graph.references
    assert refs(NodeId("apk:busybox")) == ("apk:musl",)  # so:libc.musl-x86_64.so.1
    assert refs(NodeId("apk:alpine-baselayout")) == (
        "apk:alpine-baselayout-data",
        "apk:busybox-binsh",  # "/bin/sh" is provided by busybox-binsh (p:/bin/sh)
    )
    # "musl>=1.2.3…" (a version constraint) and "!apk-tools-static" (a conflict)
    assert refs(NodeId("apk:apk-tools")) == (
        "apk:ca-certificates-bundle",
        "apk:libcrypto3",
        "apk:libssl3",
        "apk:musl",
        "apk:zlib",
    )
    assert graph.component(NodeId("apk:musl")).version == "1.2.4_git20230717-r4"
    sizes = {
        n: sum(
            e.size
            for p, o in owners.items()
            if o == n and (e := tree.get(p)) is not None and e.kind is FileKind.FILE
        )
        for n in graph
    }
    for node in graph:
        assert graph.component(node).self_size == sizes[node]
    assert owners["etc/ssl/cert.pem"] == "apk:ca-certificates-bundle"
    assert owners["lib/libc.musl-x86_64.so.1"] == "apk:musl"
    assert owners["etc/apk/world"] == "unowned"
    assert owners["lib/apk/db/installed"] == "unowned"
    assert graph.component(NodeId("unowned")).file_count == 4
    assert sum(graph.component(n).self_size or 0 for n in graph) == tree.total_size()
    loose = ("etc/apk/world", "etc/apk/repositories", "app/hello.sh", "lib/apk/db/installed")
    loose_bytes = sum(e.size for p in loose if (e := tree.get(p)) is not None)
    assert notes == [
        f"4 files ({loose_bytes} bytes) belong to no package; they form the component 'unowned'"
    ]


def test_apk_parser_keeps_provides_and_strips_versions() -> None:
    pkgs = parse_apk_installed(
        "P:a\nV:1\nD:so:libc.so=1 b>=2 c~3 !d\np:so:liba.so.1=1.0 cmd:a=1\nF:usr/bin\nR:a\n\n"
        "P:b\nV:2\n",
        "lib/apk/db/installed",
    )
    assert [p.name for p in pkgs] == ["a", "b"]
    assert pkgs[0].depends == [["so:libc.so"], ["b"], ["c"]]
    assert pkgs[0].provides == ["so:liba.so.1", "cmd:a"]
    assert pkgs[0].files == ["usr/bin/a"]


# --- through the real loaders ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("image", "info"),
    [
        ("app-full.docker.tar", "app-image-root-full.path-info-S.json"),
        ("app-minimal.docker.tar", "app-image-root-minimal.path-info-S.json"),
    ],
)
def test_docker_archive_loader_store_paths_equal_nix(image: str, info: str) -> None:
    """``closurescope.loaders.load`` on a real image: narSize and references equal Nix's."""
    from closurescope.loaders import load

    archive = NIX_SAMPLES / "images" / image
    if not archive.exists():
        pytest.skip(f"{archive} is not there")
    closure = load(str(archive))
    graph = closure.graph
    real = {p["path"]: p for p in json.loads((NIX_SAMPLES / info).read_text())}
    store = sorted(n for n in graph if n.startswith("/nix/store/"))
    assert set(store) == set(real)
    for path in store:
        assert graph.component(path).self_size == real[path]["narSize"], path
        expected = tuple(sorted(r for r in real[path]["references"] if r != path))
        assert graph.references(path) == expected, path
        closure_size = sum(graph.component(n).self_size or 0 for n in graph.closure(path))
        assert closure_size == real[path]["closureSize"], path  # nix path-info -S
    assert graph.component(NodeId("dir:etc")).name == "/etc"  # not the store path "etc"
    # the entrypoint's store path is a root; every file names its owner
    assert closure.config is not None
    assert closure.config.entrypoint
    entry_hash = closure.config.entrypoint[0].split("/")[3][:32]
    assert any(r.startswith(f"/nix/store/{entry_hash}-") for r in graph.roots)
    assert closure.files is not None
    for entry in closure.files:
        if entry.path.startswith("nix/store/") and entry.path.count("/") >= 2:
            assert entry.component == "/" + "/".join(entry.path.split("/")[:3]), entry.path
        elif entry.path.startswith("etc/"):
            assert entry.component == "dir:etc", entry.path


def test_rootfs_tar_loader_reads_dpkg_packages(tmp_path: Path) -> None:
    """A rootfs tar with the real dpkg database and the files of three real packages."""
    from closurescope.loaders import load

    info = DEB / "var/lib/dpkg/info"
    chosen = ("hostname", "sed", "gzip")
    archive = tmp_path / "rootfs.tar"
    made: dict[str, str] = {}
    with tarfile.open(archive, "w") as tar:
        for path in sorted(DEB.rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(DEB)))
        listed = {
            line.lstrip("/") for lst in info.glob("*.list") for line in lst.read_text().split()
        }
        dirs = {p.rsplit("/", 1)[0] for p in listed if "/" in p}
        for name in chosen:
            for line in (info / f"{name}.list").read_text().splitlines():
                rel = line.lstrip("/")
                if rel in dirs or rel in made or rel in ("", "."):
                    continue
                data = f"{name}:{rel}\n".encode()
                ti = tarfile.TarInfo(rel)
                ti.size = len(data)
                tar.addfile(ti, io.BytesIO(data))
                made[rel] = f"deb:{name}"
    closure = load(f"rootfs-tar:{archive}")
    graph = closure.graph
    names = {
        line.split(": ", 1)[1]
        for line in (DEB / "var/lib/dpkg/status").read_text().splitlines()
        if line.startswith("Package: ")
    }
    assert {n.removeprefix("deb:") for n in graph if n.startswith("deb:")} == names
    assert closure.files is not None
    for rel, owner in made.items():
        entry = closure.files.get(rel)
        assert entry is not None
        assert entry.component == owner, rel
    for name in chosen:
        expected = sum(len(f"{name}:{rel}\n") for rel, o in made.items() if o == f"deb:{name}")
        assert graph.component(NodeId(f"deb:{name}")).self_size == expected
    assert closure.files.get("var/lib/dpkg/status").component == "unowned"  # type: ignore[union-attr]
    assert any("belong to no package" in d for d in closure.diagnostics)


def test_the_database_version_in_the_merged_tree_is_used() -> None:
    """Layer 0 installs a and b; layer 1 rewrites the status without b: only a is installed."""
    scanner = ImageScanner()
    versions = {
        0: b"Package: a\nVersion: 1\n\nPackage: b\nVersion: 1\n",
        1: b"Package: a\nVersion: 2\n",
    }
    for layer, data in versions.items():
        entry = FileEntry(path="var/lib/dpkg/status", kind=FileKind.FILE, layer=layer)
        stream(scanner, entry, data, layer)
    builder = FileTreeBuilder()
    builder.add(
        FileEntry(path="var/lib/dpkg/status", kind=FileKind.FILE, size=len(versions[1]), layer=1)
    )
    graph, _, _ = build(builder.build(), scanner.result())
    assert sorted(graph) == ["deb:a", "unowned"]
    assert graph.component(NodeId("deb:a")).version == "2"


def test_a_fifo_named_like_a_store_path_is_not_one() -> None:
    builder = FileTreeBuilder()
    builder.add(FileEntry(path=f"{A}", kind=FileKind.FIFO))
    builder.add(FileEntry(path=f"{B}/lib/libc.so.6", kind=FileKind.FILE, size=3))
    result = build_image_graph(builder.build(), (), None, ImageScanner().result())
    assert result is not None
    graph = result[0].build(allow_cycles=True)
    assert [n for n in graph if n.startswith("/nix/store/")] == ["/" + B]


def test_evidence_contains_what_nix_why_depends_precise_names() -> None:
    """Each link ``A └───FILE … → B`` of real ``nix why-depends --precise`` output is evidence."""
    from closurescope.loaders import load

    archive = NIX_SAMPLES / "images" / "app-full.docker.tar"
    outputs = sorted(NIX_SAMPLES.glob("*.why-depends-precise.*.txt"))
    if not archive.exists() or not outputs:
        pytest.skip("the Nix samples are not there")
    graph = load(str(archive)).graph
    ansi = re.compile(r"\x1b\[[0-9;]*m")
    links = 0
    for output in outputs:
        lines = [ansi.sub("", line).strip() for line in output.read_text().splitlines()]
        current = lines[0]
        pending: str | None = None
        for line in lines[1:]:
            if line.startswith("└───"):
                pending = re.split(r": | -> ", line.removeprefix("└───"), maxsplit=1)[0]
            elif line.startswith("→ "):
                target = line.removeprefix("→ ").strip()
                assert pending is not None
                evidence = graph.evidence(NodeId(current), NodeId(target))
                assert current.lstrip("/") + "/" + pending in evidence, (current, target)
                links += 1
                current, pending = target, None
    assert links == 4


def test_rootfs_directory_loader_scans_store_references(tmp_path: Path) -> None:
    """A rootfs directory with a small store: contents are read, references and sizes found."""
    from closurescope.loaders import load

    root = tmp_path / "rootfs"
    (root / A / "bin").mkdir(parents=True)
    (root / B / "lib").mkdir(parents=True)
    (root / "etc").mkdir()
    tool = root / A / "bin" / "tool"
    tool.write_bytes(b"\x7fELF\x00" + f"/nix/store/{HB}-glibc-2.39/lib/ld.so".encode() + b"\x00")
    tool.chmod(0o755)
    (root / B / "lib" / "libc.so.6").write_bytes(b"\x7fELF" + bytes(100))
    (root / "etc" / "profile").write_text(f"PATH=/nix/store/{HA}-hello-server-1.0/bin\n")
    (root / "etc" / "libc").symlink_to(f"/{B}/lib/libc.so.6")
    closure = load(str(root))
    assert closure.source.format == "rootfs"
    graph = closure.graph
    assert graph.references(NodeId("/" + A)) == ("/" + B,)
    assert graph.evidence(NodeId("/" + A), NodeId("/" + B)) == (f"{A}/bin/tool",)
    assert graph.references(NodeId("dir:etc")) == ("/" + A, "/" + B)
    assert closure.files is not None
    assert closure.files.get(f"{A}/bin/tool").component == "/" + A  # type: ignore[union-attr]
    if shutil.which("nix-store"):  # nix-store --dump serialises any path, not only store paths
        for top in (A, B):
            dump = subprocess.run(
                ["nix-store", "--dump", str(root / top)], check=True, capture_output=True
            ).stdout
            assert graph.component(NodeId("/" + top)).self_size == len(dump)
