"""Shared by the image loaders: the one-pass outer archive reader, config parsing, OCI index
resolution (nested indexes, platforms) and the assembly of layers into a Closure.

The outer archive (``docker save`` output, an OCI layout in a tar) is read once, in archive
order, with ``tarfile`` in stream mode, so standard input works:

- members that are layers (``*/layer.tar``, ``*.tar.gz``, ``*.tgz``, and ``blobs/…`` whose
  first bytes are gzip, zstd or a tar header) are scanned as they pass (``scan_tar``), and
  kept as per-member results (entries and digests, never content);
- JSON documents (``*.json``, ``sha256:…``, ``oci-layout``, ``blobs/…`` starting with ``{``)
  are buffered (at most ``MAX_JSON`` bytes each);
- a layer member that is a link to another member (Docker stores a repeated layer that
  way) reuses the other member's result.

The layer order comes from ``manifest.json`` or the OCI index at the end.
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, cast

from closurescope.errors import LoadError
from closurescope.loaders._etcscan import etc_markers
from closurescope.loaders._fallback_graph import image_parts
from closurescope.loaders._merge import merge_layers
from closurescope.loaders._observe import Observers
from closurescope.loaders._tarstream import (
    Prefixed,
    TarScan,
    looks_like_tar,
    normalize_member,
    scan_tar,
    sniff_compression,
)
from closurescope.model import Closure, FileEntry, HistoryEntry, ImageConfig, Layer, Source

MAX_JSON = 16 << 20
"""Largest JSON document (config, manifest, index) buffered from an archive."""

DIGEST_RE = re.compile(r"^(sha256|sha512):([0-9a-f]{64}|[0-9a-f]{128})$")

MT_INDEX = {
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}
MT_MANIFEST = {
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
}
STARGZ_ANNOTATION = "containerd.io/snapshot/stargz/toc.digest"


@dataclass(slots=True)
class ArchiveContents:
    """What one pass over an outer archive collected, keyed by member name."""

    docs: dict[str, Any] = field(default_factory=dict)
    scans: dict[str, TarScan] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    diagnostics: list[str] = field(default_factory=list)

    def scan(self, member: str) -> TarScan | None:
        """The scan of a layer member, following member links (at most 8)."""
        for _ in range(8):
            if member in self.scans:
                return self.scans[member]
            if member not in self.links:
                return None
            member = self.links[member]
        return None


IndexOf = Callable[[ArchiveContents, str], "int | None"]
"""Given what was read so far and a layer member's name, its layer index if already known."""


def _is_layer_name(name: str) -> bool:
    return name.endswith((".tar", ".tar.gz", ".tgz")) and not name.startswith("blobs/")


def _is_json_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return name.endswith(".json") or base.startswith("sha256:") or name == "oci-layout"


def prescan_json(path: Path, display: str) -> dict[str, Any]:
    """For an uncompressed archive on disk: its JSON documents, read by seeking over headers.

    No layer byte is read: this only lets the one streaming pass know every layer's final
    index when the layer passes (``manifest.json`` usually comes last), so content observers
    get the right ``layer_index``. Any problem is left for the streaming pass to report.
    """
    docs: dict[str, Any] = {}
    try:
        with tarfile.open(path, mode="r:", encoding="utf-8", errors="surrogateescape") as tf:
            for info in tf:
                if not info.isfile() or info.size > MAX_JSON:
                    continue
                name = info.name.lstrip("./")
                is_blob = name.startswith("blobs/")
                if not (is_blob or (_is_json_name(name) and not _is_layer_name(name))):
                    continue
                fh = tf.extractfile(info)
                if fh is None:
                    continue
                if is_blob and fh.read(1) not in (b"{", b"["):
                    continue
                fh.seek(0)
                try:
                    docs[name] = json.loads(fh.read())
                except (ValueError, UnicodeDecodeError):
                    continue
    except (tarfile.TarError, OSError, EOFError, LoadError):
        return {}
    del display
    return docs


def known_docs(source_path: Path | None, head: bytes, display: str) -> dict[str, Any]:
    """``prescan_json`` when the input is an uncompressed tar file on disk, else nothing."""
    if source_path is None or not looks_like_tar(head):
        return {}
    return prescan_json(source_path, display)


def read_archive(
    stream: IO[bytes] | Any,
    *,
    display: str,
    observers: Observers,
    index_of: IndexOf,
    docs: Mapping[str, Any] | None = None,
) -> ArchiveContents:
    """Read an outer image archive once; LoadError on a bad archive or a bad layer.

    ``docs`` are JSON documents already known (``known_docs``), so that layer indices are
    final while the layers stream by.
    """
    out = ArchiveContents(docs=dict(docs or {}))
    try:
        tf = tarfile.open(  # noqa: SIM115 (stream-mode reader over the caller's stream)
            fileobj=stream, mode="r|*", encoding="utf-8", errors="surrogateescape"
        )
    except tarfile.TarError as exc:
        raise LoadError(display, f"not a tar archive ({exc})") from None
    ordinal = 0
    try:
        while True:
            info = tf.next()
            if info is None:
                break
            cast(Any, tf).members.clear()  # stream mode: keep no TarInfo list
            name = normalize_member(info.name, display)
            out.names.append(name)
            if info.issym() or info.islnk():
                base = name.rsplit("/", 1)[0] if "/" in name and info.issym() else ""
                target = posixpath.normpath(posixpath.join("/", base, info.linkname))
                out.links[name] = target.lstrip("/")
                continue
            if not info.isfile():
                continue
            fh = tf.extractfile(info)
            if fh is None:
                continue
            if _is_json_name(name) and not _is_layer_name(name):
                _buffer_json(out, name, fh, info.size, display)
                continue
            if not (_is_layer_name(name) or name.startswith("blobs/")):
                continue
            head = fh.read(512)
            if name.startswith("blobs/"):
                stripped = head.lstrip()
                if stripped[:1] in (b"{", b"["):
                    _buffer_json(out, name, Prefixed(head, fh), info.size, display)
                    continue
                if sniff_compression(head) == "none" and not looks_like_tar(head):
                    continue
            index = index_of(out, name)
            if index is None:
                index = ordinal
            ordinal += 1
            out.scans[name] = scan_tar(
                Prefixed(head, fh),
                display=display,
                what=name,
                layer_index=index,
                observers=observers,
            )
    except tarfile.TarError as exc:
        text = str(exc)
        if "unexpected end" in text:
            text = "the archive is truncated"
        raise LoadError(display, text) from None
    except (EOFError, OSError) as exc:
        raise LoadError(display, f"cannot read the archive ({exc})") from None
    if not out.names:
        raise LoadError(display, "empty tar archive")
    return out


def _buffer_json(out: ArchiveContents, name: str, fh: Any, size: int, display: str) -> None:
    if size > MAX_JSON:
        out.diagnostics.append(f"{display}: {name} is larger than {MAX_JSON} bytes; skipped")
        return
    parts: list[bytes] = []
    got = 0
    while got < size:
        part = fh.read(size - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    data = b"".join(parts)
    if len(data) != size:
        raise LoadError(display, f"member {name!r} is truncated")
    try:
        out.docs[name] = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        if name.endswith(".json") or name in ("manifest.json", "index.json"):
            raise LoadError(display, f"member {name!r} is not valid JSON") from None


# -- image config ---------------------------------------------------------------------------


def _strs(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str):
        return (value,)
    return None


def parse_config(doc: object, where: str) -> ImageConfig:
    """The typed subset of an image config JSON (wrong types are left to lint, via ``raw``)."""
    if not isinstance(doc, dict):
        raise LoadError(where, "image config is not a JSON object")
    cfg = doc.get("config") or doc.get("container_config") or {}
    if not isinstance(cfg, dict):
        cfg = {}
    labels = cfg.get("Labels") or {}
    ports = cfg.get("ExposedPorts") or {}
    history: list[HistoryEntry] = []
    for item in doc.get("history") or ():
        if isinstance(item, dict):
            history.append(
                HistoryEntry(
                    created_by=_opt_str(item.get("created_by")),
                    comment=_opt_str(item.get("comment")),
                    created=_opt_str(item.get("created")),
                    empty_layer=bool(item.get("empty_layer", False)),
                )
            )
    return ImageConfig(
        env=_strs(cfg.get("Env")) or (),
        entrypoint=_strs(cfg.get("Entrypoint")),
        cmd=_strs(cfg.get("Cmd")),
        user=_opt_str(cfg.get("User")),
        working_dir=_opt_str(cfg.get("WorkingDir")),
        labels=(
            {str(k): str(v) for k, v in sorted(labels.items())} if isinstance(labels, dict) else {}
        ),
        exposed_ports=tuple(sorted(str(k) for k in ports)) if isinstance(ports, dict) else (),
        architecture=_opt_str(doc.get("architecture")),
        os=_opt_str(doc.get("os")),
        history=tuple(history),
        raw=doc,
    )


def _opt_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def diff_ids(doc: Mapping[str, Any]) -> list[str] | None:
    """``rootfs.diff_ids`` of a config, or None when absent."""
    rootfs = doc.get("rootfs")
    if isinstance(rootfs, dict) and isinstance(rootfs.get("diff_ids"), list):
        return [str(d) for d in rootfs["diff_ids"]]
    return None


# -- OCI index resolution -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ManifestChoice:
    """An image manifest reached from an index, with its platform (``os/arch[/variant]``)."""

    digest: str
    platform: str | None
    ref_name: str | None


def blob_path(digest: str, where: str) -> str:
    """``sha256:abc…`` → ``blobs/sha256/abc…`` (LoadError on a malformed digest)."""
    match = DIGEST_RE.match(digest)
    if match is None:
        raise LoadError(where, f"malformed digest {digest!r}")
    return f"blobs/{match.group(1)}/{match.group(2)}"


def _platform(desc: Mapping[str, Any]) -> str | None:
    plat = desc.get("platform")
    if not isinstance(plat, dict):
        return None
    parts = [str(plat.get("os", "")), str(plat.get("architecture", ""))]
    if plat.get("variant"):
        parts.append(str(plat["variant"]))
    return "/".join(parts)


def image_manifests(
    index: Mapping[str, Any], get_json: Callable[[str], Any], where: str, depth: int = 0
) -> list[ManifestChoice]:
    """Every image manifest an index leads to (nested indexes followed, attestations skipped)."""
    if depth > 8:
        raise LoadError(where, "image indexes nested too deeply")
    found: list[ManifestChoice] = []
    manifests = index.get("manifests")
    if not isinstance(manifests, list):
        raise LoadError(where, "index has no 'manifests' list")
    for desc in manifests:
        if not isinstance(desc, dict) or not isinstance(desc.get("digest"), str):
            raise LoadError(where, "index entry without a digest")
        annotations = desc.get("annotations") or {}
        if annotations.get("vnd.docker.reference.type") == "attestation-manifest":
            continue
        media = desc.get("mediaType")
        if media in MT_INDEX:
            nested = get_json(desc["digest"])
            found.extend(image_manifests(nested, get_json, where, depth + 1))
            continue
        found.append(
            ManifestChoice(
                desc["digest"],
                _platform(desc),
                annotations.get("org.opencontainers.image.ref.name"),
            )
        )
    return found


def choose_manifest(
    choices: Sequence[ManifestChoice], options_platform: str | None, where: str
) -> tuple[ManifestChoice, list[str]]:
    """Pick by ``--platform`` or the only one; LoadError listing platforms when ambiguous."""
    if not choices:
        raise LoadError(where, "the index lists no image manifest")
    plats = sorted({c.platform or "unknown" for c in choices})
    if options_platform:
        want = options_platform.strip().lower()
        for choice in choices:
            plat = (choice.platform or "").lower()
            if plat == want or (want.count("/") == 1 and plat.rsplit("/", 1)[0] == want):
                return choice, [f"{where}: platform {choice.platform} chosen"]
        raise LoadError(
            where, f"no image for platform {options_platform} (has: {', '.join(plats)})"
        )
    if len(choices) > 1:
        raise LoadError(
            where,
            f"multi-platform index ({', '.join(plats)}); choose one with --platform",
        )
    return choices[0], []


# -- assembly -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class LayerSpec:
    """One layer as the manifest names it, with the scan of its bytes."""

    scan: TarScan
    member: str
    digest: str | None = None
    """Expected blob digest (from an OCI manifest or a ``blobs/<alg>/<hex>`` name)."""
    size: int | None = None
    media_type: str | None = None
    estargz: bool = False


def assemble(
    *,
    display: str,
    fmt: str,
    description: str,
    config_doc: Mapping[str, Any],
    specs: Sequence[LayerSpec],
    observers: Observers,
    diagnostics: Sequence[str],
) -> Closure:
    """Verify digests, merge the layers and build the Closure."""
    config = parse_config(config_doc, display)
    ids = diff_ids(config_doc)
    if ids is not None and len(ids) != len(specs):
        raise LoadError(
            display,
            f"the config lists {len(ids)} diff_ids but the manifest {len(specs)} layers",
        )
    history = [h for h in config.history if not h.empty_layer]
    notes = list(diagnostics)
    entry_lists: list[tuple[FileEntry, ...]] = []
    for i, spec in enumerate(specs):
        scan = spec.scan
        if (
            spec.digest is not None
            and spec.digest.startswith("sha256:")
            and scan.compressed_digest != spec.digest
        ):
            raise LoadError(
                display,
                f"layer {spec.digest} ({spec.member}): content hashes to "
                f"{scan.compressed_digest}; digest mismatch",
            )
        if spec.size is not None and spec.size != scan.compressed_size:
            raise LoadError(
                display,
                f"layer {spec.member}: {scan.compressed_size} bytes, manifest says {spec.size}",
            )
        if ids is not None and ids[i] != scan.diff_id:
            raise LoadError(
                display,
                f"layer {i} ({spec.member}): uncompressed content hashes to {scan.diff_id}, "
                f"config diff_id is {ids[i]}",
            )
        notes.extend(scan.diagnostics)
        entries = scan.entries
        if any(e.layer != i for e in entries):
            entries = tuple(dataclasses.replace(e, layer=i) for e in entries)
        entry_lists.append(entries)
    tree, changes = merge_layers(entry_lists, where=display)
    layers = []
    for i, (spec, entries, change) in enumerate(zip(specs, entry_lists, changes, strict=True)):
        hist = history[i] if i < len(history) else None
        compression = spec.scan.compression
        if spec.estargz and compression == "gzip":
            compression = "estargz"
        layers.append(
            Layer(
                index=i,
                digest=spec.digest or spec.scan.compressed_digest,
                diff_id=spec.scan.diff_id,
                media_type=spec.media_type,
                compression=compression,
                compressed_size=spec.scan.compressed_size,
                uncompressed_size=spec.scan.uncompressed_size,
                content_size=spec.scan.content_size,
                created_by=hist.created_by if hist else None,
                comment=hist.comment if hist else None,
                entries=entries,
                added=change.added,
                modified=change.modified,
                removed=change.removed,
            )
        )
    notes.append(f"{display}: file digests are xxh3-128 (hex) of each regular file's content")
    graph, owned, more = image_parts(tree, layers, config, observers)
    notes.extend(more)
    return Closure(
        source=Source(path=display, format=fmt, description=description),
        graph=graph,
        files=owned,
        layers=tuple(layers),
        config=config,
        diagnostics=tuple(notes),
        file_markers=etc_markers(observers, owned),
    )
