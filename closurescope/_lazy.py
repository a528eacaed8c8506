"""Names of a package imported from its submodules on first use (a module ``__getattr__``).

``closurescope.model`` and ``closurescope.analysis`` use it so that a command needing a few of
their names (``closurescope dupes`` needs the file tree and the findings) does not import the
rest (the graph library, the image model, every analysis).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from importlib import import_module


def lazy_names(package: str, where: Mapping[str, str]) -> Callable[[str], object]:
    """A ``__getattr__`` for ``package``: ``where[name]`` is the submodule defining ``name``.

    The value is stored in the package on first use, so later lookups are plain reads.
    """

    def __getattr__(name: str) -> object:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
