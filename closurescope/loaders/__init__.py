"""The loader registry: detect an input's format and load it into a Closure.

``LOADERS`` is ordered by sniffing priority (the most specific first, rootfs directories last).
An input is a path, ``-`` for standard input, or ``FORMAT:path`` to skip detection.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from closurescope.errors import LoadError, UnknownFormatError
from closurescope.loaders.base import InputSource, Loader, LoadOptions

if TYPE_CHECKING:
    from closurescope.model import Closure


def _registry() -> tuple[Loader, ...]:
    # Imported here, not at module import, so `closurescope --help` stays light.
    from closurescope.loaders import registry

    return registry.LOADERS


def by_name(name: str) -> Loader:
    """The loader called ``name`` (UnknownFormatError listing the known names)."""
    for loader in _registry():
        if loader.name == name:
            return loader
    known = ", ".join(sorted(loader.name for loader in _registry()))
    raise UnknownFormatError(name, f"unknown format (known: {known})")


def split_spec(spec: str) -> tuple[str | None, str]:
    """``oci:./dir`` → ("oci", "./dir"); a plain path or ``-`` → (None, spec).

    A prefix counts only when it names a known loader, so ``C:/x`` or a file called
    ``a:b`` that exists is still a path.
    """
    head, sep, rest = spec.partition(":")
    if sep and head in {loader.name for loader in _registry()}:
        return head, rest
    return None, spec


def detect(source: InputSource) -> Loader:
    """The first loader whose sniff accepts ``source``."""
    for loader in _registry():
        if loader.autodetect and not loader.virtual and loader.sniff(source):
            return loader
    known = ", ".join(sorted(loader.name for loader in _registry()))
    raise UnknownFormatError(
        source.display, f"format not recognised; name one with FORMAT:path (known: {known})"
    )


def load(spec: str, options: LoadOptions | None = None) -> Closure:
    """Load ``spec`` (path, ``-`` or ``FORMAT:path``) into a Closure."""
    opts = options or LoadOptions()
    fmt, arg = split_spec(spec)
    if fmt is not None:
        loader = by_name(fmt)
        if loader.virtual:
            source = InputSource(arg, None)  # the loader reads source.display (e.g. a store path)
        else:
            source = InputSource.from_arg(arg)
        return loader.load(source, opts)
    source = InputSource.from_arg(arg)
    return detect(source).load(source, opts)


__all__ = [
    "InputSource",
    "LoadError",
    "LoadOptions",
    "Loader",
    "by_name",
    "detect",
    "load",
    "split_spec",
]
