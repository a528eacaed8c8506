"""TUI fixtures and the snapshot version pin.

Snapshot SVGs depend on the exact Textual and pytest-textual-snapshot versions (memray's
conftest does the same): on any other version the snapshot tests are skipped, not failed.
"""

from __future__ import annotations

from importlib import metadata

SNAPSHOT_VERSIONS = {"textual": "8.2.8", "pytest-textual-snapshot": "1.1.0"}
"""The versions the committed snapshots were made with."""


def _versions_match() -> bool:
    for dist, wanted in SNAPSHOT_VERSIONS.items():
        try:
            if metadata.version(dist) != wanted:
                return False
        except metadata.PackageNotFoundError:
            return False
    return True


SNAPSHOTS_OK = _versions_match()
