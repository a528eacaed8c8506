"""Identifiers and kinds shared by the whole model."""

from __future__ import annotations

import enum
from typing import NewType

NodeId = NewType("NodeId", str)
"""A component's id: an absolute store path (``/nix/store/…-name``), ``deb:NAME``, ``apk:NAME``,
``layer:N``, ``dir:PATH`` or ``unowned``; unique within one Closure."""


class ComponentKind(enum.Enum):
    """What a node of the dependency graph stands for."""

    STORE_PATH = "store-path"
    PACKAGE = "package"
    LAYER = "layer"
    DIRECTORY = "directory"
    UNOWNED = "unowned"
