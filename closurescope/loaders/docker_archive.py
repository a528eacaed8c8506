"""``docker-archive``: the tar written by ``docker save`` (and ``skopeo``, kaniko, Nix's
``dockerTools``), read in one streaming pass so that ``docker save IMG | closurescope report -``
works.

Shapes understood:

- classic: ``<id>/layer.tar`` (+ ``VERSION``, ``json``), ``<config>.json``, ``manifest.json``;
- Docker ≥ 25: an OCI layout (``blobs/sha256/…``, ``index.json``) plus ``manifest.json``;
- kaniko: ``<hex>.tar.gz`` layers at the root, config named ``sha256:…`` (no ``.json``).

``manifest.json`` may list several images: ``--image`` picks one by repo tag or by index
(0-based); the default is the first, and the diagnostics say so. Without ``manifest.json``
the OCI ``index.json`` is used (as the ``oci-archive`` loader does).
"""

from __future__ import annotations

from typing import Any

from closurescope.errors import LoadError
from closurescope.loaders._fallback_graph import scanning
from closurescope.loaders._image import (
    ArchiveContents,
    IndexOf,
    LayerSpec,
    assemble,
    known_docs,
    read_archive,
)
from closurescope.loaders._observe import Observers
from closurescope.loaders._tarstream import Progress, looks_like_tar, normalize_member
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure

_DOCKER_MARKERS = ("manifest.json", "repositories")


def head_member_names(head: bytes) -> list[str]:
    """Member names of the tar headers that fit in ``head`` (for sniffing; never raises)."""
    import tarfile

    names: list[str] = []
    offset = 0
    while offset + 512 <= len(head):
        block = head[offset : offset + 512]
        if not block.strip(b"\0"):
            break
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.TarError:
            break
        if info.type in (tarfile.XHDTYPE, tarfile.XGLTYPE, tarfile.GNUTYPE_LONGNAME):
            # the real name is in the extension's content; skip over it
            pass
        else:
            names.append(info.name.lstrip("./"))
        offset += 512 + (info.size + 511) // 512 * 512
    return names


def _select(manifest: object, options: LoadOptions, where: str) -> tuple[dict[str, Any], str]:
    if not isinstance(manifest, list) or not manifest:
        raise LoadError(where, "manifest.json is not a non-empty list")
    items = [m for m in manifest if isinstance(m, dict)]
    if len(items) != len(manifest):
        raise LoadError(where, "manifest.json has an entry that is not an object")

    def label(i: int) -> str:
        tags = items[i].get("RepoTags") or []
        return ", ".join(str(t) for t in tags) or f"#{i}"

    if options.image is not None:
        want = options.image.strip()
        if want.isdigit() and int(want) < len(items):
            return items[int(want)], f"{where}: image #{want} ({label(int(want))}) chosen"
        for i, item in enumerate(items):
            if want in (item.get("RepoTags") or []):
                return item, f"{where}: image #{i} ({want}) chosen"
        known = "; ".join(f"#{i}: {label(i)}" for i in range(len(items)))
        raise LoadError(where, f"no image {want!r} in this archive (has {known})")
    note = ""
    if len(items) > 1:
        others = "; ".join(f"#{i}: {label(i)}" for i in range(len(items)))
        note = (
            f"{where}: the archive holds {len(items)} images ({others}); "
            f"using the first ({label(0)}); choose another with --image"
        )
    return items[0], note


def _index_of(options: LoadOptions) -> IndexOf:
    """The layer index of a member in the image ``--image`` picks, once manifest.json is known."""

    def index_of(contents: ArchiveContents, member: str) -> int | None:
        manifest = contents.docs.get("manifest.json")
        try:
            chosen, _ = _select(manifest, options, "manifest.json")
        except LoadError:
            return None  # reported properly once the archive has been read
        layers = chosen.get("Layers") or []
        return int(layers.index(member)) if member in layers else None

    return index_of


def load_docker(
    source: InputSource, options: LoadOptions, observers: Observers, contents: ArchiveContents
) -> Closure:
    """Assemble a docker-archive from what the one pass collected."""
    where = source.display
    chosen, note = _select(contents.docs["manifest.json"], options, where)
    config_name = chosen.get("Config")
    if not isinstance(config_name, str):
        raise LoadError(where, "manifest.json entry has no Config")
    config_name = normalize_member(config_name, where)
    config_doc = contents.docs.get(config_name)
    if not isinstance(config_doc, dict):
        raise LoadError(where, f"manifest.json names config {config_name!r}, which is missing")
    specs: list[LayerSpec] = []
    for name in chosen.get("Layers") or []:
        member = normalize_member(str(name), where)
        scan = contents.scan(member)
        if scan is None:
            raise LoadError(
                where, f"manifest.json names layer {member!r}, which the archive does not hold"
            )
        digest = None
        if member.startswith("blobs/sha256/"):
            digest = "sha256:" + member.rsplit("/", 1)[-1]
        specs.append(LayerSpec(scan=scan, member=member, digest=digest))
    notes = [*contents.diagnostics]
    if note:
        notes.insert(0, note)
    return assemble(
        display=where,
        fmt="docker-archive",
        description="docker save archive",
        config_doc=config_doc,
        specs=specs,
        observers=observers,
        diagnostics=notes,
    )


class DockerArchiveLoader:
    """Loader for ``docker save`` archives."""

    name = "docker-archive"
    description = "docker save / skopeo docker-archive / kaniko tar (one streaming pass)"
    virtual = False
    autodetect = True

    def __init__(self, observers: Observers = ()) -> None:
        self.observers = observers

    def sniff(self, source: InputSource) -> bool:
        if source.is_dir:
            return False
        head = source.head
        if not looks_like_tar(head):
            return False
        for name in head_member_names(head):
            base = name.rsplit("/", 1)[-1]
            if name in _DOCKER_MARKERS or base.startswith("sha256:"):
                return True
            if name.endswith("/layer.tar") or (
                "/" not in name and name.endswith((".tar", ".tar.gz", ".tgz"))
            ):
                return True  # classic, kaniko, or skopeo's <hex>.tar layers at the root
        return False

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        observers = scanning(self.observers)  # a fresh ImageScanner for the image graph
        progress = Progress(options.progress, source.size)
        with source.open() as stream:
            contents = read_archive(
                progress.wrap(stream),
                display=source.display,
                observers=observers,
                index_of=_index_of(options),
                docs=known_docs(source.path, source.head, source.display),
            )
        progress.finish()
        if "manifest.json" in contents.docs:
            return load_docker(source, options, observers, contents)
        if "index.json" in contents.docs:
            from closurescope.loaders.oci import load_oci_contents

            return load_oci_contents(source, options, observers, contents, "docker-archive")
        raise LoadError(source.display, "no manifest.json or index.json: not an image archive")


LOADER = DockerArchiveLoader()
