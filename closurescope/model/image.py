"""Image metadata: layers and the typed subset of the OCI/Docker image config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from closurescope.model.files import FileEntry


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    """One ``history[]`` item of the image config."""

    created_by: str | None = None
    comment: str | None = None
    created: str | None = None
    empty_layer: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Layer:
    """One layer, in manifest order (index 0 is the bottom).

    ``entries`` are the layer tar's own entries in archive order, whiteouts (kind WHITEOUT,
    path = the deleted path) and opaque markers (kind OPAQUE, path = the directory) included.
    ``added``/``modified``/``removed`` are paths relative to the layers below.
    """

    index: int
    digest: str | None = None
    """Blob digest (``sha256:…``) as the manifest names it."""
    diff_id: str | None = None
    """Digest of the uncompressed tar (``rootfs.diff_ids``)."""
    media_type: str | None = None
    compression: str | None = None
    """``none``, ``gzip``, ``zstd`` or ``estargz`` as sniffed from the bytes."""
    compressed_size: int | None = None
    uncompressed_size: int | None = None
    """Length of the uncompressed tar stream in bytes."""
    content_size: int = 0
    """Sum of the tar header sizes of every entry (dive's layer size)."""
    created_by: str | None = None
    comment: str | None = None
    entries: tuple[FileEntry, ...] = ()
    added: tuple[str, ...] = ()
    modified: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageConfig:
    """The typed subset of the image config, plus the raw JSON so lint can see unknown keys."""

    env: tuple[str, ...] = ()
    entrypoint: tuple[str, ...] | None = None
    cmd: tuple[str, ...] | None = None
    user: str | None = None
    working_dir: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    exposed_ports: tuple[str, ...] = ()
    architecture: str | None = None
    os: str | None = None
    history: tuple[HistoryEntry, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict)
    """The whole config JSON as read."""

    @property
    def env_map(self) -> dict[str, str]:
        """Env as a dict (later entries win, as the runtime does)."""
        out: dict[str, str] = {}
        for item in self.env:
            key, _, value = item.partition("=")
            out[key] = value
        return out
