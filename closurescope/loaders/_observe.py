"""Content observers: see every regular file's bytes once, while a layer or rootfs streams by.

A loader reads each regular file's content in chunks exactly once (to hash it). Observers
passed to the loader get the same chunks, so that other analyses of file contents (Nix
reference scanning, for instance) need no second read:

- ``observer.begin(layer_index, path, entry)`` is called when a regular file starts; it
  returns a sink, or None to skip that file. ``entry`` is the file's FileEntry as known so
  far (``digest`` is still None: it is computed from the same chunks).
- ``sink.update(chunk)`` is called with every chunk of the content, in order.
- ``sink.end()`` is called once the content has been read completely. It is not called when
  loading fails half-way (the load raises LoadError instead).

``layer_index`` is the layer's index in the image (0 = bottom) whenever the loader knows it
when the layer starts streaming: always for an OCI layout directory, and for an uncompressed
archive file (its JSON documents are read first by seeking over the tar headers). It is the
order of appearance of the layer in the archive only when a non-seekable stream (standard
input) names the layer order after the layers (``manifest.json`` at the end of a
``docker save``). A rootfs passes 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from closurescope.model import FileEntry


class ContentSink(Protocol):
    """Receives one file's content."""

    def update(self, chunk: bytes) -> None:
        """The next chunk of content."""
        ...

    def end(self) -> None:
        """The content is complete."""
        ...


class ContentObserver(Protocol):
    """Decides per file whether it wants the content, and hands out a sink for it."""

    def begin(self, layer_index: int, path: str, entry: FileEntry) -> ContentSink | None:
        """A regular file starts; return a sink to see its bytes, or None."""
        ...


Observers = Sequence[ContentObserver]
"""What loaders accept and pass on to the image graph builder."""
