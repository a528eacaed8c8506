"""The ordered tuple of built-in loaders (sniffing priority: most specific first).

Each loader module defines one ``LOADER`` instance (or a few); add it here in the right place.
"""

from __future__ import annotations

from closurescope.loaders.base import Loader

LOADERS: tuple[Loader, ...] = (
    # image formats (issue: images) go first: a tar is sniffed by its member names
    # Nix closure formats
    # rootfs directory / tar last: the catch-alls
)
