"""Closure: what every loader returns, whatever the input format was."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from closurescope.model.files import FileTree
from closurescope.model.graph import DepGraph
from closurescope.model.image import ImageConfig, Layer


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where a Closure came from."""

    path: str
    """What the user passed (``-`` for stdin)."""
    format: str
    """Loader name (``nix-path-info``, ``docker-archive`` …)."""
    description: str = ""
    """A short human description (``nix path-info --json (Nix ≤2.18 list shape)``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Closure:
    """The neutral model: a dependency graph, and for images the files, layers and config."""

    source: Source
    graph: DepGraph
    files: FileTree | None = None
    layers: tuple[Layer, ...] = ()
    config: ImageConfig | None = None
    diagnostics: tuple[str, ...] = ()
    """Things the loader wants the user to know (chosen image, skipped entries …)."""
    file_markers: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """In-image path → the etc-file names and library signatures found in that file's bytes
    (``/etc/services``, ``getaddrinfo``, ``SSL_CTX_new`` …, see ``loaders._etcscan``); only
    programs and shared libraries are scanned, and only files with a marker are listed. Files
    named ``passwd``/``group`` also list their account names as ``passwd:NAME``/``group:NAME``."""

    @property
    def is_image(self) -> bool:
        """True when the input had layers (an image rather than a closure or rootfs)."""
        return bool(self.layers)
