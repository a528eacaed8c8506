"""Component: one node of the dependency graph."""

from __future__ import annotations

import re
from dataclasses import dataclass

from closurescope.model.ids import ComponentKind, NodeId

NIX32_ALPHABET = "0123456789abcdfghijklmnpqrsvwxyz"
"""The 32 characters of Nix's base-32 (no e, o, t, u)."""

STORE_PATH_RE = re.compile(
    r"^(?P<store>/[^\0]*?)/(?P<hash>[0123456789abcdfghijklmnpqrsvwxyz]{32})-(?P<name>[0-9A-Za-z+\-._?=]+)$"
)
_OUTPUT_SUFFIX_RE = re.compile(r"^(.*)-([a-z]+|lib32|lib64)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """A node of the dependency graph: a store path, a distro package, a layer or a directory."""

    id: NodeId
    """Unique id, e.g. the absolute store path."""
    kind: ComponentKind
    name: str
    """Human name: the store path name without hash (``glibc-2.39``), a package name, …"""
    self_size: int | None
    """Bytes this component alone weighs: NAR size for store paths; None when unknown."""
    version: str | None = None
    file_count: int | None = None
    nar_hash: str | None = None
    deriver: str | None = None
    registration_time: int | None = None
    reported_closure_size: int | None = None
    """``closureSize`` as the input reported it (``nix path-info -S``), kept to cross-check."""

    @property
    def pname(self) -> str:
        """The package name without version (``glibc`` for ``glibc-2.39-bin``)."""
        return split_name_version(self.name)[0]


def store_path_name(path: str) -> str:
    """``/nix/store/<hash>-hello-2.12`` → ``hello-2.12`` (the path itself if it is not one)."""
    match = STORE_PATH_RE.match(path)
    return match.group("name") if match else path.rsplit("/", 1)[-1]


def store_path_hash(path: str) -> str | None:
    """The 32-character hash part of a store path, or None."""
    match = STORE_PATH_RE.match(path)
    return match.group("hash") if match else None


def split_name_version(name: str) -> tuple[str, str]:
    """Split like ``builtins.parseDrvName``: the version starts at the first ``-`` + digit.

    An output suffix (``-bin``, ``-dev``, ``-lib64``) is folded away first, as
    ``nix store diff-closures`` does; ``("name", "")`` when there is no version.
    """
    suffix_match = _OUTPUT_SUFFIX_RE.match(name)
    base = name
    if suffix_match and any(c.isdigit() for c in suffix_match.group(1)):
        base = suffix_match.group(1)
    parts = base.split("-")
    for i in range(1, len(parts)):
        if parts[i][:1].isdigit():
            return "-".join(parts[:i]), "-".join(parts[i:])
    return base, ""
