"""The loader contract: an InputSource in, a Closure out.

A loader never prints, never exits and never writes to disk; it raises LoadError (naming the
file and the problem) and reads archives as streams.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from closurescope.errors import LoadError

if TYPE_CHECKING:
    from closurescope.model import Closure

HEAD_SIZE = 1 << 20
"""How many leading bytes of a file or stream sniffing may look at."""

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes done, bytes total or None) during long loads."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoadOptions:
    """Options a loader may honour (the CLI fills them from flags)."""

    platform: str | None = None
    """``os/arch[/variant]`` to pick from a multi-platform index."""
    image: str | None = None
    """Which image of a multi-image archive (repo tag or index)."""
    roots: tuple[str, ...] = ()
    """Root store paths (for a Nix store database)."""
    progress: ProgressCallback | None = None


class _ReplayStream(io.RawIOBase):
    """A read-once stream that first replays bytes already read for sniffing."""

    def __init__(self, head: bytes, rest: BinaryIO) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


class InputSource:
    """One input: a path (file or directory) or standard input.

    ``head`` holds the first bytes of a file or stream (empty for directories) for sniffing;
    ``open()`` gives a binary stream from the start. Standard input can be opened once.
    """

    def __init__(self, display: str, path: Path | None, stream: BinaryIO | None = None) -> None:
        self.display = display
        self.path = path
        self._stream = stream
        self._opened = False
        self._head: bytes | None = None

    @classmethod
    def from_arg(cls, arg: str) -> InputSource:
        """``-`` means standard input; anything else is a host path that must exist."""
        if arg == "-":
            return cls("-", None, sys.stdin.buffer)
        path = Path(arg)
        if not path.exists() and not path.is_symlink():
            raise LoadError(arg, "no such file or directory")
        return cls(arg, path)

    @property
    def is_dir(self) -> bool:
        """True for a directory input."""
        return self.path is not None and self.path.is_dir()

    @property
    def size(self) -> int | None:
        """Size in bytes of a file input (None for stdin and directories)."""
        if self.path is None or self.is_dir:
            return None
        try:
            return os.stat(self.path).st_size
        except OSError:
            return None

    @property
    def head(self) -> bytes:
        """The first bytes (up to HEAD_SIZE) without consuming the input."""
        if self._head is None:
            if self.is_dir:
                self._head = b""
            elif self.path is not None:
                try:
                    with open(self.path, "rb") as fh:
                        self._head = fh.read(HEAD_SIZE)
                except OSError as exc:
                    raise LoadError(self.display, exc.strerror or str(exc)) from None
            else:
                assert self._stream is not None
                self._head = _read_up_to(self._stream, HEAD_SIZE)
        return self._head

    def open(self) -> BinaryIO:
        """A binary stream of the whole input from its first byte."""
        if self.path is not None:
            if self.is_dir:
                raise LoadError(self.display, "is a directory, not a file")
            try:
                return open(self.path, "rb")
            except OSError as exc:
                raise LoadError(self.display, exc.strerror or str(exc)) from None
        if self._opened:
            raise LoadError(self.display, "standard input can only be read once")
        self._opened = True
        head = self.head
        assert self._stream is not None
        return io.BufferedReader(_ReplayStream(head, self._stream), buffer_size=1 << 16)

    def read_text(self) -> str:
        """The whole input as UTF-8 text (LoadError naming the file when it is not)."""
        with self.open() as fh:
            data = fh.read()
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise LoadError(self.display, f"not UTF-8 text (byte {exc.start})") from None


def is_oci_layout(path: Path) -> bool:
    """A directory holding an OCI image layout (``oci-layout`` and ``index.json``), which the
    ``oci`` loader reads; any other directory is a root filesystem."""
    return (path / "oci-layout").is_file() and (path / "index.json").is_file()


def _read_up_to(stream: BinaryIO, limit: int) -> bytes:
    chunks: list[bytes] = []
    got = 0
    while got < limit:
        chunk = stream.read(limit - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


class Loader(Protocol):
    """What every loader provides; instances are listed in ``loaders.LOADERS``."""

    name: str
    """Format name, used in ``FORMAT:path`` and ``closurescope formats``."""
    description: str
    """One line for ``closurescope formats``."""
    virtual: bool
    """True when the argument is not a host file (``nix:/nix/store/…`` asks ``nix``)."""
    autodetect: bool
    """False when the loader is used only by an explicit ``FORMAT:`` prefix."""

    def sniff(self, source: InputSource) -> bool:
        """Cheap check (``source.head``, a directory listing) that this loader fits."""
        ...

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Read the input into a Closure; LoadError on bad input."""
        ...
