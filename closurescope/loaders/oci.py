"""OCI image layouts: ``oci`` (a layout directory) and ``oci-archive`` (a tar holding one).

``index.json`` → image manifest (nested indexes are followed; with several platforms,
``--platform os/arch[/variant]`` picks one, and without it the load fails listing them;
attestation manifests are skipped) → config and layers in ``blobs/<alg>/<hex>``. Layer media
types: tar, tar+gzip, tar+zstd (the compression is sniffed from the bytes; eStargz is gzip,
recognised by its annotation). Every blob's sha256 and size are checked against its
descriptor and each layer's uncompressed sha256 against the config's ``diff_ids``.

The directory is read blob by blob (layers in manifest order); the archive is read in one
streaming pass, blobs in whatever order the tar holds them (JSON buffered, layers scanned
as they pass).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from closurescope.errors import LoadError
from closurescope.loaders._fallback_graph import scanning
from closurescope.loaders._image import (
    DIGEST_RE,
    MAX_JSON,
    STARGZ_ANNOTATION,
    ArchiveContents,
    LayerSpec,
    assemble,
    blob_path,
    choose_manifest,
    image_manifests,
    known_docs,
    read_archive,
)
from closurescope.loaders._observe import Observers
from closurescope.loaders._tarstream import Progress, TarScan, looks_like_tar, scan_tar
from closurescope.loaders.base import InputSource, LoadOptions, is_oci_layout
from closurescope.model import Closure


def _layers_of(manifest: Any, where: str) -> tuple[str, list[dict[str, Any]]]:
    if not isinstance(manifest, dict):
        raise LoadError(where, "image manifest is not a JSON object")
    config = manifest.get("config")
    layers = manifest.get("layers")
    if not isinstance(config, dict) or not isinstance(config.get("digest"), str):
        raise LoadError(where, "image manifest has no config descriptor")
    if not isinstance(layers, list) or not all(
        isinstance(d, dict) and isinstance(d.get("digest"), str) for d in layers
    ):
        raise LoadError(where, "image manifest has no valid 'layers' list")
    return config["digest"], layers


def _resolve(
    get_json: Any, options: LoadOptions, where: str
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    index = get_json("index.json")
    if not isinstance(index, dict):
        raise LoadError(where, "index.json is not a JSON object")
    choices = image_manifests(index, get_json, where)
    notes: list[str] = []
    if options.image is not None:
        want = options.image
        picked = [c for i, c in enumerate(choices) if c.ref_name == want or str(i) == want]
        if not picked:
            raise LoadError(where, f"no image {want!r} in index.json")
        choices = picked
    choice, more = choose_manifest(choices, options.platform, where)
    notes.extend(more)
    config_digest, layers = _layers_of(get_json(choice.digest), where)
    config_doc = get_json(config_digest)
    if not isinstance(config_doc, dict):
        raise LoadError(where, f"config blob {config_digest} is not a JSON object")
    return config_doc, layers, notes


def _spec(desc: dict[str, Any], scan: TarScan, member: str) -> LayerSpec:
    annotations = desc.get("annotations") or {}
    size = desc.get("size")
    return LayerSpec(
        scan=scan,
        member=member,
        digest=desc["digest"],
        size=size if isinstance(size, int) else None,
        media_type=desc.get("mediaType"),
        estargz=isinstance(annotations, dict) and STARGZ_ANNOTATION in annotations,
    )


def load_oci_contents(
    source: InputSource,
    options: LoadOptions,
    observers: Observers,
    contents: ArchiveContents,
    fmt: str,
) -> Closure:
    """Assemble an OCI layout read from an archive in one pass."""
    where = source.display

    def get_json(key: str) -> Any:
        name = key if key == "index.json" else blob_path(key, where)
        if name not in contents.docs:
            raise LoadError(where, f"{key} is missing from the archive (or is not JSON)")
        return contents.docs[name]

    config_doc, layers, notes = _resolve(get_json, options, where)
    specs = []
    for desc in layers:
        member = blob_path(desc["digest"], where)
        scan = contents.scan(member)
        if scan is None:
            raise LoadError(where, f"layer blob {desc['digest']} is missing from the archive")
        specs.append(_spec(desc, scan, member))
    return assemble(
        display=where,
        fmt=fmt,
        description="OCI image layout in a tar",
        config_doc=config_doc,
        specs=specs,
        observers=observers,
        diagnostics=[*notes, *contents.diagnostics],
    )


def _oci_index_of(contents: ArchiveContents, member: str) -> int | None:
    """The layer index of a blob, when index.json, one manifest and its layers are known."""
    index = contents.docs.get("index.json")
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        return None
    digests = [d.get("digest") for d in index["manifests"] if isinstance(d, dict)]
    if len(digests) != 1 or not isinstance(digests[0], str) or not DIGEST_RE.match(digests[0]):
        return None
    manifest = contents.docs.get(blob_path(digests[0], "index.json"))
    if not isinstance(manifest, dict) or not isinstance(manifest.get("layers"), list):
        return None
    for i, desc in enumerate(manifest["layers"]):
        if isinstance(desc, dict) and desc.get("digest") == "sha256:" + member.rsplit("/", 1)[-1]:
            return i
    return None


class OciArchiveLoader:
    """Loader for a tar holding an OCI layout (``skopeo copy … oci-archive:``)."""

    name = "oci-archive"
    description = "OCI image layout in a tar (oci-layout, index.json, blobs/)"
    virtual = False
    autodetect = True

    def __init__(self, observers: Observers = ()) -> None:
        self.observers = observers

    def sniff(self, source: InputSource) -> bool:
        from closurescope.loaders.docker_archive import head_member_names

        if source.is_dir or not looks_like_tar(source.head):
            return False
        names = head_member_names(source.head)
        return any(n in ("oci-layout", "index.json") or n.startswith("blobs/") for n in names)

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        observers = scanning(self.observers)  # a fresh ImageScanner for the image graph
        progress = Progress(options.progress, source.size)
        with source.open() as stream:
            contents = read_archive(
                progress.wrap(stream),
                display=source.display,
                observers=observers,
                index_of=_oci_index_of,
                docs=known_docs(source.path, source.head, source.display),
            )
        progress.finish()
        if "index.json" not in contents.docs:
            if "manifest.json" in contents.docs:
                from closurescope.loaders.docker_archive import load_docker

                return load_docker(source, options, observers, contents)
            raise LoadError(source.display, "no index.json: not an OCI image layout")
        return load_oci_contents(source, options, observers, contents, self.name)


class OciLayoutLoader:
    """Loader for an OCI image layout directory (``oci:./dir``)."""

    name = "oci"
    description = "OCI image layout directory (oci-layout, index.json, blobs/)"
    virtual = False
    autodetect = True

    def __init__(self, observers: Observers = ()) -> None:
        self.observers = observers

    def sniff(self, source: InputSource) -> bool:
        return source.is_dir and source.path is not None and is_oci_layout(source.path)

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        where = source.display
        if not source.is_dir or source.path is None:
            raise LoadError(where, "an OCI layout is a directory")
        observers = scanning(self.observers)  # a fresh ImageScanner for the image graph
        root = source.path

        def blob_file(key: str) -> Path:
            rel = key if key == "index.json" else blob_path(key, where)
            path = root / rel
            if path.is_symlink() or not path.is_file():
                raise LoadError(where, f"{key} is missing from the layout ({rel})")
            return path

        def get_json(key: str) -> Any:
            path = blob_file(key)
            try:
                if os.lstat(path).st_size > MAX_JSON:
                    raise LoadError(where, f"{key} is too large for a JSON document")
                with open(path, "rb") as fh:
                    return json.loads(fh.read())
            except OSError as exc:
                raise LoadError(where, f"cannot read {key}: {exc.strerror}") from None
            except (ValueError, UnicodeDecodeError):
                raise LoadError(where, f"{key} is not valid JSON") from None

        layout = root / "oci-layout"
        if not layout.is_file():
            raise LoadError(where, "no oci-layout file: not an OCI image layout")
        config_doc, layers, notes = _resolve(get_json, options, where)
        sizes = [d["size"] for d in layers if isinstance(d.get("size"), int)]
        total = sum(sizes) if len(sizes) == len(layers) else None
        progress = Progress(options.progress, total)
        specs = []
        for i, desc in enumerate(layers):
            path = blob_file(desc["digest"])
            try:
                with open(path, "rb") as fh:
                    scan = scan_tar(
                        progress.wrap(fh),
                        display=where,
                        what=f"layer {desc['digest']}",
                        layer_index=i,
                        observers=observers,
                    )
            except OSError as exc:
                raise LoadError(where, f"cannot read {desc['digest']}: {exc.strerror}") from None
            specs.append(_spec(desc, scan, blob_path(desc["digest"], where)))
        progress.finish()
        return assemble(
            display=where,
            fmt=self.name,
            description="OCI image layout directory",
            config_doc=config_doc,
            specs=specs,
            observers=observers,
            diagnostics=notes,
        )


OCI_LOADER = OciLayoutLoader()
OCI_ARCHIVE_LOADER = OciArchiveLoader()
