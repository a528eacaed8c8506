"""The ordered tuple of built-in loaders (sniffing priority: most specific first).

Each loader module defines one ``LOADER`` instance (or a few); add it here in the right place.
"""

from __future__ import annotations

from closurescope.loaders import (
    docker_archive,
    nix_db,
    nix_dot,
    nix_live,
    nix_path_info,
    nix_registration,
    oci,
    rootfs,
)
from closurescope.loaders.base import Loader

LOADERS: tuple[Loader, ...] = (
    # image formats (issue: images) go first: a tar is sniffed by its member names
    oci.OCI_LOADER,
    docker_archive.LOADER,
    oci.OCI_ARCHIVE_LOADER,
    # Nix closure formats
    nix_db.LOADER,
    nix_dot.LOADER,
    nix_path_info.LOADER,
    nix_registration.LOADER,
    nix_live.LOADER,
    # rootfs directory / tar last: the catch-alls
    rootfs.LOADER,
    rootfs.TAR_LOADER,
)
