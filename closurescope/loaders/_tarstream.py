"""One streaming pass over a layer (or rootfs) tar: entries, content hashes, blob digests.

``scan_tar`` reads a tar stream exactly once, front to back, and never seeks, extracts or
writes anything:

- the compression is sniffed from the first bytes: gzip (``1f 8b``; eStargz is a series of
  gzip members), zstd (``28 b5 2f fd``) or a plain tar;
- the sha256 of the bytes as stored (the blob digest) and of the uncompressed tar (the
  ``diff_id``) are computed while streaming, over every byte, including what follows the
  tar's end-of-archive marker (eStargz keeps its table of contents there);
- each regular file's content is read once, in chunks: it is hashed with **xxh3-128**
  (``FileEntry.digest`` is the 32-digit lowercase hex digest, without an algorithm prefix)
  and fed to the content observers (see ``_observe``);
- member names are normalised (``./a/`` → ``a``); ``..`` components, NUL bytes and
  non-UTF-8 names are errors; whiteouts become WHITEOUT entries (path = what they delete),
  opaque markers OPAQUE entries (path = the directory).

Memory grows with the number of entries, never with their size.
"""

from __future__ import annotations

import hashlib
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, cast

import xxhash
import zstandard

from closurescope.errors import LoadError
from closurescope.loaders._observe import ContentSink, Observers
from closurescope.model import FileEntry, FileKind

CHUNK = 1 << 20
"""Bytes read at a time from a file's content."""

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"

GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"

_KINDS: dict[bytes, FileKind] = {
    tarfile.REGTYPE: FileKind.FILE,
    tarfile.AREGTYPE: FileKind.FILE,
    tarfile.CONTTYPE: FileKind.FILE,
    tarfile.GNUTYPE_SPARSE: FileKind.FILE,
    tarfile.DIRTYPE: FileKind.DIR,
    tarfile.SYMTYPE: FileKind.SYMLINK,
    tarfile.LNKTYPE: FileKind.HARDLINK,
    tarfile.CHRTYPE: FileKind.CHAR,
    tarfile.BLKTYPE: FileKind.BLOCK,
    tarfile.FIFOTYPE: FileKind.FIFO,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class TarScan:
    """What one pass over a tar stream found."""

    entries: tuple[FileEntry, ...]
    """Entries in archive order (a path seen twice keeps its last version, at its last place)."""
    content_size: int
    """Sum of the tar header sizes of every member (dive's layer size; repeats included)."""
    member_count: int
    compression: str
    """``none``, ``gzip`` or ``zstd``."""
    compressed_size: int
    compressed_digest: str
    """``sha256:<hex>`` of the bytes as stored."""
    uncompressed_size: int
    diff_id: str
    """``sha256:<hex>`` of the uncompressed tar stream."""
    diagnostics: tuple[str, ...] = ()


class _Hashing:
    """A read-only file object that hashes (sha256) and counts what passes through it."""

    def __init__(self, raw: IO[bytes] | Any, head: bytes = b"") -> None:
        self._raw = raw
        self._head = head
        self.sha = hashlib.sha256()
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        if self._head:
            if size is None or size < 0:
                data = self._head + self._raw.read()
                self._head = b""
            else:
                data = self._head[:size]
                self._head = self._head[size:]
        else:
            data = self._raw.read(size)
        self.sha.update(data)
        self.count += len(data)
        return data if isinstance(data, bytes) else bytes(data)

    def readable(self) -> bool:
        return True

    def drain(self) -> None:
        """Read (and hash) everything left."""
        while self.read(CHUNK):
            pass

    @property
    def digest(self) -> str:
        return "sha256:" + self.sha.hexdigest()


class _Gzip:
    """Multi-member gzip decompression (eStargz is many members) that notices truncation."""

    def __init__(self, src: _Hashing) -> None:
        self._src = src
        self._d = zlib.decompressobj(31)
        self._buf = bytearray()
        self._eof = False
        self._in_member = False
        self._pending = b""

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        data = self._pending
        self._pending = b""
        if not data:
            data = self._src.read(CHUNK)
            if not data:
                if self._in_member:
                    raise EOFError("the stream ends inside a gzip member")
                self._eof = True
                return
        if not self._in_member:
            data = data.lstrip(b"\0")  # zero padding after a member is allowed
            if not data:
                return
            if data[:1] != b"\x1f" or data[1:2] not in (b"\x8b", b""):
                raise zlib.error("data after a gzip member is not gzip")
            self._in_member = True
        self._buf += self._d.decompress(data, 4 * CHUNK)
        if self._d.eof:
            self._pending = self._d.unused_data
            self._d = zlib.decompressobj(31)
            self._in_member = False
        else:
            self._pending = self._d.unconsumed_tail

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            while not self._eof:
                self._fill()
            out = bytes(self._buf)
            self._buf.clear()
            return out
        while len(self._buf) < size and not self._eof:
            self._fill()
        out = bytes(self._buf[:size])
        del self._buf[:size]
        return out


class Prefixed:
    """A read-only stream that replays ``head`` before reading on from ``rest``."""

    def __init__(self, head: bytes, rest: IO[bytes] | Any) -> None:
        self._head = head
        self._rest = rest

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            data: bytes = self._rest.read(size)
            return data
        if size is None or size < 0:
            out = self._head + self._rest.read()
            self._head = b""
            return out
        out = self._head[:size]
        self._head = self._head[size:]
        return out


class Progress:
    """Counts bytes read through ``wrap``ped streams and reports them to a callback.

    The callback (``LoadOptions.progress``) gets ``(bytes done, bytes total or None)`` at most
    every ``step`` bytes and once at the end; loaders never print.
    """

    def __init__(
        self,
        callback: Callable[[int, int | None], None] | None,
        total: int | None,
        step: int = 8 << 20,
    ) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self._next = step
        self._step = step

    def add(self, n: int) -> None:
        """Count ``n`` more bytes."""
        self.done += n
        if self.callback is not None and self.done >= self._next:
            self._next = self.done + self._step
            self.callback(self.done, self.total)

    def finish(self) -> None:
        """Report the final count."""
        if self.callback is not None:
            self.callback(self.done, self.total)

    def wrap(self, stream: IO[bytes] | Any) -> Any:
        """A read-only view of ``stream`` that counts what is read (unchanged when no callback)."""
        if self.callback is None:
            return stream
        return _Counted(stream, self)


class _Counted:
    def __init__(self, stream: IO[bytes] | Any, progress: Progress) -> None:
        self._stream = stream
        self._progress = progress

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(size)
        self._progress.add(len(data))
        return data


def sniff_compression(head: bytes) -> str:
    """``gzip``, ``zstd`` or ``none`` from the first bytes of a blob."""
    if head.startswith(GZIP_MAGIC):
        return "gzip"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    return "none"


def looks_like_tar(head: bytes) -> bool:
    """True when ``head`` starts with a valid tar header (or an empty tar's zero blocks)."""
    if len(head) >= 512 and not head[:512].strip(b"\0"):
        return True
    if len(head) < 512:
        return False
    try:
        tarfile.TarInfo.frombuf(head[:512], "utf-8", "surrogateescape")
    except tarfile.TarError:
        return False
    return True


def normalize_member(name: str, display: str) -> str:
    """``./usr/bin/`` → ``usr/bin``; the root is ``""``; ``..``, NUL, non-UTF-8 → LoadError."""
    if "\0" in name:
        raise LoadError(display, f"member {name!r} has a NUL byte in its name")
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        raise LoadError(display, f"member {raw!r} has a name that is not UTF-8") from None
    parts = [p for p in name.split("/") if p and p != "."]
    if ".." in parts:
        what = "absolute member" if name.startswith("/") else "member"
        raise LoadError(display, f"{what} {name!r} escapes the root ('..' in its name)")
    return "/".join(parts)


def normalize_link(target: str, member: str, display: str) -> str:
    """A hardlink target as a tree path (LoadError when it leaves the root)."""
    if "\0" in target:
        raise LoadError(display, f"hardlink {member!r} has a NUL byte in its target")
    parts = [p for p in target.split("/") if p and p != "."]
    if ".." in parts:
        raise LoadError(display, f"hardlink {member!r} points outside the root: {target!r}")
    return "/".join(parts)


def symlink_escapes(path: str, target: str) -> bool:
    """True when a relative symlink's target climbs above the root from where it sits."""
    if target.startswith("/"):
        return False
    depth = path.count("/")
    for part in target.split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        elif part and part != ".":
            depth += 1
    return False


def _decompressor(raw: _Hashing, compression: str) -> Any:
    if compression == "gzip":
        return _Gzip(raw)
    if compression == "zstd":
        return zstandard.ZstdDecompressor().stream_reader(
            cast(IO[bytes], raw), read_across_frames=True
        )
    return raw


def scan_tar(
    stream: BinaryIO | IO[bytes] | Any,
    *,
    display: str,
    what: str,
    layer_index: int | None,
    observers: Observers = (),
) -> TarScan:
    """Read a (possibly compressed) tar stream once; LoadError naming ``what`` on bad input.

    ``display`` is the user's input name, ``what`` names the tar inside it (``layer
    sha256:…``, a member name); ``layer_index`` is stamped into the entries (None for a rootfs).
    """
    where = f"{display}: {what}" if what else display
    raw = _Hashing(stream)
    head = raw.read(4)
    raw = _Hashing(stream, head)  # re-read the head through a fresh hasher
    compression = sniff_compression(head)
    try:
        decomp = _decompressor(raw, compression)
        plain = _Hashing(decomp)
        entries, content_size, members, diagnostics = _walk(plain, where, layer_index, observers)
        plain.drain()
        raw.drain()
    except LoadError:
        raise
    except EOFError as exc:
        raise LoadError(where, f"truncated {_name(compression)} stream ({exc})") from None
    except zlib.error as exc:
        raise LoadError(where, f"corrupt gzip stream ({exc})") from None
    except zstandard.ZstdError as exc:
        raise LoadError(where, f"corrupt zstd stream ({exc})") from None
    except tarfile.TarError as exc:
        text = str(exc)
        if "zlib" in text:
            raise LoadError(where, f"corrupt gzip stream ({text})") from None
        if "unexpected end" in text:
            text = "truncated tar stream (a member's content ends early)"
        raise LoadError(where, f"bad tar: {text}") from None
    except OSError as exc:
        raise LoadError(where, f"read error: {exc}") from None
    return TarScan(
        entries=entries,
        content_size=content_size,
        member_count=members,
        compression=compression,
        compressed_size=raw.count,
        compressed_digest=raw.digest,
        uncompressed_size=plain.count,
        diff_id=plain.digest,
        diagnostics=tuple(diagnostics),
    )


def _name(compression: str) -> str:
    return {"none": "tar", "gzip": "gzip", "zstd": "zstd"}[compression]


class _TarError(Exception):
    """A malformed tar (message without the location)."""


ZERO_BLOCK = bytes(512)
_POSIX_MAGIC = b"ustar\x0000"


@dataclass(slots=True)
class _Header:
    name: str
    type: bytes
    size: int
    mode: int
    uid: int
    gid: int
    linkname: str


class _TarReader:
    """A minimal streaming tar reader (ustar, GNU long names, PAX), faster than ``tarfile``
    for layers with many small files. Reads its source front to back, in big chunks."""

    def __init__(self, src: _Hashing) -> None:
        self._src = src
        self._buf = b""
        self._pos = 0
        self._global: dict[str, str] = {}

    def _fill(self, n: int) -> bool:
        """Make ``n`` bytes available; False at the end of the stream."""
        avail = len(self._buf) - self._pos
        if avail >= n:
            return True
        parts = [self._buf[self._pos :]]
        while avail < n:
            data = self._src.read(max(CHUNK, n - avail))
            if not data:
                break
            parts.append(data)
            avail += len(data)
        self._buf = b"".join(parts)
        self._pos = 0
        return avail >= n

    def _take(self, n: int) -> bytes:
        if not self._fill(n):
            raise _TarError("truncated tar stream (the stream ends inside a member)")
        out = self._buf[self._pos : self._pos + n]
        self._pos += n
        return out

    def skip(self, size: int) -> None:
        """Skip ``size`` content bytes and the padding to the next 512-byte block."""
        for _ in self.chunks(size):
            pass

    def chunks(self, size: int) -> Iterator[bytes]:
        """The next ``size`` content bytes in chunks, then the padding is skipped."""
        left = size
        while left > 0:
            avail = len(self._buf) - self._pos
            if avail == 0:
                if not self._fill(1):
                    raise _TarError(
                        f"truncated tar stream (a member declares {size} bytes, "
                        f"{size - left} are there)"
                    )
                avail = len(self._buf) - self._pos
            n = min(avail, left, CHUNK)
            yield self._buf[self._pos : self._pos + n]
            self._pos += n
            left -= n
        pad = -size % 512
        if pad:
            self._take(pad)

    def next(self) -> _Header | None:
        """The next member's header (PAX and GNU long names folded in), None at the end."""
        pax: dict[str, str] = {}
        longname: str | None = None
        longlink: str | None = None
        while True:
            if not self._fill(512):
                if len(self._buf) - self._pos:
                    raise _TarError("truncated tar stream (a partial header at the end)")
                return None
            block = self._take(512)
            if block == ZERO_BLOCK:
                return None
            _check(block)
            kind = block[156:157]
            size = _number(block[124:136])
            if kind in (b"x", b"g"):
                records = _pax(b"".join(self.chunks(size)))
                (pax if kind == b"x" else self._global).update(records)
                continue
            if kind in (b"L", b"K"):
                text = _text(b"".join(self.chunks(size)).split(b"\0", 1)[0])
                if kind == b"L":
                    longname = text
                else:
                    longlink = text
                continue
            name = _text(block[0:100].split(b"\0", 1)[0])
            if block[257:265] == _POSIX_MAGIC:
                prefix = block[345:500].split(b"\0", 1)[0]
                if prefix:
                    name = _text(prefix) + "/" + name
            linkname = _text(block[157:257].split(b"\0", 1)[0])
            fields = {**self._global, **pax}
            name = fields.get("path", longname if longname is not None else name)
            linkname = fields.get("linkpath", longlink if longlink is not None else linkname)
            try:
                size = int(fields["size"]) if "size" in fields else size
                uid = int(fields["uid"]) if "uid" in fields else _number(block[108:116])
                gid = int(fields["gid"]) if "gid" in fields else _number(block[116:124])
            except ValueError:
                raise _TarError("bad number in a PAX header") from None
            return _Header(
                name=name,
                type=kind,
                size=size,
                mode=_number(block[100:108]),
                uid=uid,
                gid=gid,
                linkname=linkname,
            )


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _number(field: bytes) -> int:
    if field[:1] and field[0] & 0x80:  # GNU base-256
        value = int.from_bytes(field[1:], "big")
        return value - (1 << (8 * len(field) - 1)) if field[0] == 0xFF else value
    text = field.split(b"\0", 1)[0].strip()
    if not text:
        return 0
    try:
        return int(text, 8)
    except ValueError:
        raise _TarError(f"bad number {text!r} in a tar header") from None


def _check(block: bytes) -> None:
    try:
        stored = _number(block[148:156])
    except _TarError:
        raise _TarError("bad tar header checksum (not a tar, or corrupt)") from None
    unsigned = sum(block) - sum(block[148:156]) + 256
    if stored != unsigned:
        signed = (
            unsigned
            - 2 * sum(b for b in block if b > 127)
            + 2 * sum(b for b in block[148:156] if b > 127)
        )
        if stored != signed:
            raise _TarError("bad tar header checksum (not a tar, or corrupt)")


def _pax(data: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    pos = 0
    while pos < len(data):
        space = data.find(b" ", pos)
        if space < 0:
            break
        try:
            length = int(data[pos:space])
        except ValueError:
            raise _TarError("bad PAX header record") from None
        if length <= 0:
            raise _TarError("bad PAX header record length")
        record = data[space + 1 : pos + length - 1]
        key, sep, value = record.partition(b"=")
        if sep:
            out[_text(key)] = _text(value)
        pos += length
    return out


def _walk(
    plain: _Hashing, where: str, layer_index: int | None, observers: Observers
) -> tuple[tuple[FileEntry, ...], int, int, list[str]]:
    reader = _TarReader(plain)
    found: dict[str, FileEntry] = {}
    repeats: dict[str, int] = {}
    diagnostics: list[str] = []
    content_size = 0
    members = 0
    obs_index = layer_index if layer_index is not None else 0
    try:
        while True:
            info = reader.next()
            if info is None:
                break
            members += 1
            content_size += info.size
            path = normalize_member(info.name, where)
            key = path
            name = path.rsplit("/", 1)[-1]
            parent = path.rsplit("/", 1)[0] if "/" in path else ""
            kind = _KINDS.get(info.type)
            if info.type in (b"\0", b"") and info.name.endswith("/"):
                kind = FileKind.DIR  # old (v7) archives mark directories by a trailing slash
            link: str | None = None
            if kind is None:
                diagnostics.append(
                    f"{where}: member {path!r} has tar type {info.type!r}; it is ignored"
                )
                reader.skip(info.size)
                continue
            if name == OPAQUE_MARKER:
                kind, path = FileKind.OPAQUE, parent
            elif name.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
                diagnostics.append(
                    f"{where}: member {path!r} is an unknown whiteout marker; ignored"
                )
                reader.skip(info.size)
                continue
            elif name.startswith(WHITEOUT_PREFIX):
                target = name[len(WHITEOUT_PREFIX) :]
                kind, path = FileKind.WHITEOUT, f"{parent}/{target}" if parent else target
            elif not path:
                reader.skip(info.size)
                continue  # the root directory itself (``./``, ``/``): counted in size only
            if kind is FileKind.HARDLINK:
                link = normalize_link(info.linkname, path, where)
                if link == path:
                    raise LoadError(where, f"hardlink {path!r} points to itself")
            elif kind is FileKind.SYMLINK:
                link = info.linkname
                if symlink_escapes(path, link):
                    diagnostics.append(
                        f"{where}: symlink {path!r} -> {link!r} points above the root "
                        "(resolved inside the image only)"
                    )
            entry = FileEntry(
                path=path,
                kind=kind,
                size=info.size if kind is FileKind.FILE else 0,
                mode=info.mode & 0o7777,
                uid=info.uid,
                gid=info.gid,
                link_target=link,
                layer=layer_index,
                tar_size=info.size,
            )
            if kind is FileKind.FILE:
                entry = _read_content(reader, info.size, entry, obs_index, observers)
            else:
                reader.skip(info.size)
            if key in found:
                repeats[key] = repeats.get(key, 1) + 1
                del found[key]
            found[key] = entry
    except _TarError as exc:
        raise LoadError(where, str(exc)) from None
    diagnostics.extend(
        f"{where}: {path!r} appears {n} times in this tar; the last one is kept"
        for path, n in sorted(repeats.items())
    )
    return tuple(found.values()), content_size, members, diagnostics


def _read_content(
    reader: _TarReader,
    size: int,
    entry: FileEntry,
    layer_index: int,
    observers: Observers,
) -> FileEntry:
    sinks: list[ContentSink] = []
    for observer in observers:
        sink = observer.begin(layer_index, entry.path, entry)
        if sink is not None:
            sinks.append(sink)
    hasher = xxhash.xxh3_128()
    for chunk in reader.chunks(size):
        hasher.update(chunk)
        for sink in sinks:
            sink.update(chunk)
    for sink in sinks:
        sink.end()
    return FileEntry(
        path=entry.path,
        kind=entry.kind,
        size=entry.size,
        mode=entry.mode,
        uid=entry.uid,
        gid=entry.gid,
        layer=entry.layer,
        tar_size=entry.tar_size,
        digest=hasher.hexdigest(),
    )


def is_within(path: str, top: str) -> bool:
    """True when tree path ``path`` is ``top`` or below it."""
    return not top or path == top or path.startswith(top + "/")


__all__ = [
    "CHUNK",
    "Prefixed",
    "TarScan",
    "is_within",
    "looks_like_tar",
    "normalize_link",
    "normalize_member",
    "scan_tar",
    "sniff_compression",
    "symlink_escapes",
]
