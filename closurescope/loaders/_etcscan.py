"""Find what a file's bytes say about the ``/etc`` files and system services it uses.

``EtcScanner`` is a ContentObserver (see ``_observe``): while an image streams by it records,
per in-image file, which *markers* occur in the content. Markers are fixed byte strings:

- etc file names (``/etc/services``, ``/etc/protocols``, ``/etc/nsswitch.conf``, ``/etc/hosts``,
  ``/etc/resolv.conf``, ``/etc/passwd``, ``/etc/group``, ``/etc/ssl/certs``, ``/etc/pki``,
  ``/etc/localtime``) and related names (``zoneinfo``, ``locale-archive``, the environment
  variables ``SSL_CERT_FILE``, ``SSL_CERT_DIR``, ``NIX_SSL_CERT_FILE``, ``LOCALE_ARCHIVE``,
  ``TZDIR``);
- library signatures: TLS (``SSL_CTX_new``, ``libssl.so``, ``libcrypto.so``, ``gnutls_``), name
  lookups (``getaddrinfo``, ``getservbyname``, ``gethostbyname``, ``getprotobyname``), users
  (``getpwnam``, ``getpwuid``, ``getgrnam``), locale (``setlocale``, ``newlocale``) and time
  zones (``tzset``, ``localtime_r``).

What a marker *means* (which need, which etc entry) is decided by ``analysis.etc``; this module
only records the strings, so that analyses (which never read bytes) can see them through
``Closure.file_markers``.

Speed: one alternation of all markers as a single ``bytes`` regex is matched position by
position by Python's engine (about 25 MB/s here). The markers are therefore grouped by
their first byte (``/etc/…``, ``g…``, ``l…``, ``SSL_C…``, and one group per other marker),
one regex per group; a regex that starts with a literal, even a single byte, is searched at
memory speed by the engine's prefix scan, so the 11 groups together run at about 35-60 MB/s on
random bytes (``tests/unit/loaders/test_etcscan.py`` prints it). Only programs and shared
libraries are scanned (``wants_scan``), a small part of a typical image's bytes. A marker
split across two chunks is found by prepending the last ``len(longest) - 1`` bytes of the
previous chunk to the next one; a marker inside another (``SSL_CERT_FILE`` in
``NIX_SSL_CERT_FILE``) is reported too, as substring semantics (``find_markers``) say.

ELF files: the machine code (the executable ``PT_LOAD`` segment, found from the program
headers in the first chunk, see ``code_ranges``) and the unwind tables are not searched,
56% of the bytes of a Debian minbase's programs and libraries; the markers are strings
(``.dynstr``, ``.rodata``).
The markers then equal ``find_markers`` on every ELF file of Debian bookworm minbase and of
the sample images; what can differ is a short marker inside an instruction's immediate
operand (``tzset`` in ``movabs "tzset_in"`` of one /usr/bin program out of 1,226 on the
build VM), which is not a reference to the marker anyway.
"""

from __future__ import annotations

import posixpath
import re
import struct
from collections.abc import Iterable, Mapping

from closurescope.loaders._observe import Observers
from closurescope.model import FileEntry, FileKind, FileTree

MARKERS: tuple[str, ...] = (
    "/etc/services",
    "/etc/protocols",
    "/etc/nsswitch.conf",
    "/etc/hosts",
    "/etc/resolv.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/ssl/certs",
    "/etc/pki",
    "/etc/localtime",
    "zoneinfo",
    "locale-archive",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NIX_SSL_CERT_FILE",
    "LOCALE_ARCHIVE",
    "TZDIR",
    "SSL_CTX_new",
    "libssl.so",
    "libcrypto.so",
    "gnutls_",
    "getaddrinfo",
    "getservbyname",
    "gethostbyname",
    "getprotobyname",
    "getpwnam",
    "getpwuid",
    "getgrnam",
    "setlocale",
    "newlocale",
    "tzset",
    "localtime_r",
)
"""Every marker the scanner records, as it appears in ``Closure.file_markers``."""

_TAIL = max(len(m) for m in MARKERS) - 1


def _groups() -> tuple[tuple[re.Pattern[bytes], frozenset[bytes], bytes | None], ...]:
    """Markers grouped by their first byte, each group one regex starting with the group's
    longest common prefix (a single byte is searched as fast as a longer literal).

    A group of one marker that contains another marker of another group
    (``NIX_SSL_CERT_FILE`` ⊃ ``SSL_CERT_FILE``) is *gated*: it comes last and is searched only
    once the inner marker was found (in a buffer holding the outer one, the inner one's
    group, searched first, finds it). Ungated groups come first.
    """
    groups: dict[str, list[str]] = {}
    for marker in MARKERS:
        groups.setdefault(marker[0], []).append(marker)
    out = []
    for _first, members in sorted(groups.items()):
        prefix = posixpath.commonprefix(members) if len(members) > 1 else members[0]
        rests = sorted((m[len(prefix) :] for m in members), key=lambda r: (-len(r), r))
        alternatives = b"|".join(re.escape(r.encode()) for r in rests)
        body = re.escape(prefix.encode()) + (b"(?:" + alternatives + b")" if rests != [""] else b"")
        inner = [m for m in MARKERS if len(members) == 1 and m != members[0] and m in members[0]]
        gate = inner[0].encode() if inner and inner[0][0] != members[0][0] else None
        out.append((re.compile(body), frozenset(m.encode() for m in members), gate))
    return tuple(sorted(out, key=lambda group: group[2] is not None))


_GROUPS = _groups()


def find_markers(data: bytes) -> frozenset[str]:
    """Markers occurring in ``data`` as substrings: the plain definition (slow, one pass per
    marker). The streaming scanner finds the same set faster; a test checks they agree."""
    return frozenset(m for m in MARKERS if m.encode() in data)


def _search(buf: bytes, found: set[bytes]) -> None:
    """Add the markers occurring in ``buf`` to ``found``.

    One regex per group: a regex that starts with a literal is searched at memory speed by
    the engine's prefix scan (~800 MB/s here), while one alternation of every marker is
    matched position by position (~25 MB/s); groups already complete are skipped.
    """
    for pattern, members, gate in _GROUPS:
        if members <= found or (gate is not None and gate not in found):
            continue
        found.update(pattern.findall(buf))


ACCOUNT_FILES = ("passwd", "group")
"""Files named so (``etc/passwd``, or what it links to) are also parsed: each account name
becomes a marker ``passwd:NAME`` / ``group:NAME`` (for the ``User`` lint, CS408)."""
ACCOUNT_LIMIT = 1 << 20
"""Largest passwd/group file parsed."""


def account_markers(kind: str, data: bytes) -> set[bytes]:
    """``passwd:root``-style markers: the first field of every ``name:…`` line."""
    out: set[bytes] = set()
    for line in data.splitlines():
        name, sep, _ = line.partition(b":")
        name = name.strip()
        if sep and name and not name.startswith(b"#"):
            out.add(kind.encode() + b":" + name)
    return out


def wants_scan(entry: FileEntry) -> bool:
    """Programs and shared libraries: executable files and ``*.so*`` (what the etc analysis
    reads markers from); data files (a locale archive, certificates) are not scanned."""
    name = entry.path.rsplit("/", 1)[-1]
    return entry.is_executable or ".so" in name or name in ACCOUNT_FILES


_PT_LOAD = 1
_PT_GNU_EH_FRAME = 0x6474E550
_PF_X = 1
_EI_CLASS = {
    1: ("I", 0x1C, 0x2A, "IIIIIIII", (1, 4, 6)),
    2: ("Q", 0x20, 0x36, "IIQQQQQQ", (2, 5, 1)),
}
"""Per ELF class (1: 32-bit, 2: 64-bit): e_phoff's format and offset, e_phentsize's offset,
the program header layout, and the indexes of p_offset, p_filesz and p_flags in it."""


def code_ranges(head: bytes) -> tuple[tuple[int, int], ...]:
    """File ranges of machine code that the marker scan may skip, from an ELF file's start.

    The markers are strings: imported symbol names (``.dynstr``) and literal paths
    (``.rodata``), never instructions. In the usual ``-z separate-code`` layout (binutils'
    default on x86-64 since 2.31, lld and mold alike) the executable ``PT_LOAD`` segment holds
    only ``.init .plt .text .fini``; those bytes are returned. Conservative: anything but a
    well-formed ELF header whose program headers lie inside ``head`` gives ``()`` (scan all),
    and an executable segment that starts at offset 0 or holds any other segment's bytes
    (``PT_INTERP``, ``PT_DYNAMIC``, notes, ``.eh_frame_hdr``: the old layout where code and
    read-only data share one segment, Go binaries) is not skipped. With a skippable code
    segment, the unwind tables are returned too (``_unwind_range``).
    """
    if len(head) < 0x34 or head[:4] != b"\x7fELF":
        return ()
    cls, order = head[4], head[5]
    if cls not in _EI_CLASS or order not in (1, 2):
        return ()
    endian = "<" if order == 1 else ">"
    off_fmt, phoff_at, entsize_at, layout, (i_offset, i_filesz, i_flags) = _EI_CLASS[cls]
    if len(head) < entsize_at + 4:
        return ()
    (phoff,) = struct.unpack_from(endian + off_fmt, head, phoff_at)
    phentsize, phnum = struct.unpack_from(endian + "HH", head, entsize_at)
    fmt = struct.Struct(endian + layout)
    if phnum == 0 or phentsize < fmt.size or phoff + phnum * phentsize > len(head):
        return ()
    loads: list[tuple[int, int, bool]] = []
    others: list[tuple[int, int]] = []
    eh_frames: list[tuple[int, int]] = []
    for i in range(phnum):
        fields = fmt.unpack_from(head, phoff + i * phentsize)
        p_type = fields[0]
        p_offset, p_filesz, p_flags = fields[i_offset], fields[i_filesz], fields[i_flags]
        if p_filesz == 0:
            continue
        if p_type == _PT_LOAD:
            loads.append((p_offset, p_offset + p_filesz, bool(p_flags & _PF_X)))
        else:
            others.append((p_offset, p_offset + p_filesz))
            if p_type == _PT_GNU_EH_FRAME:
                eh_frames.append((p_offset, p_offset + p_filesz))
    out = []
    for start, end, executable in loads:
        if not executable or start < phoff + phnum * phentsize:
            continue
        if any(o_start < end and start < o_end for o_start, o_end in others):
            continue
        out.append((start, end))
    if out:
        out.extend(_unwind_range(loads, others, eh_frames))
    return tuple(sorted(out))


def _unwind_range(
    loads: list[tuple[int, int, bool]],
    others: list[tuple[int, int]],
    eh_frames: list[tuple[int, int]],
) -> list[tuple[int, int]]:
    """The unwind tables (``.eh_frame_hdr``, ``.eh_frame``, ``.gcc_except_table``): from
    ``PT_GNU_EH_FRAME`` to the end of its read-only, non-executable segment, where GNU ld,
    lld and mold all place them after ``.rodata``; binary data, no strings. Only with exactly
    one such header, and no other segment's bytes in that range."""
    if len(eh_frames) != 1:
        return []
    hdr = eh_frames[0][0]
    for start, end, executable in loads:
        if start < hdr < end:
            if executable:
                return []
            if any(
                o_start < end and hdr < o_end and (o_start, o_end) != eh_frames[0]
                for o_start, o_end in others
            ):
                return []
            return [(hdr, end)]
    return []


def _keep_ranges(skips: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int | None], ...]:
    """The byte ranges to scan around ``skips``: each skipped range shrunk by ``_TAIL`` at both
    ends, so that a marker overlapping a scanned byte is still seen whole."""
    out: list[tuple[int, int | None]] = []
    pos = 0
    for start, end in skips:
        lo, hi = max(start + _TAIL, pos), end - _TAIL
        if hi <= lo:
            continue
        out.append((pos, lo))
        pos = hi
    out.append((pos, None))
    return tuple(out)


class _Sink:
    """One file's content: markers found so far, and the tail of the last chunk.

    An ELF file's machine code (``code_ranges``, read from the first chunk) is not searched.
    """

    __slots__ = (
        "_account",
        "_found",
        "_keep",
        "_layer",
        "_path",
        "_pos",
        "_scanned_to",
        "_scanner",
        "_tail",
    )

    def __init__(self, scanner: EtcScanner, layer: int, path: str) -> None:
        self._scanner = scanner
        self._layer = layer
        self._path = path
        self._found: set[bytes] = set()
        self._tail = b""
        self._pos = 0
        self._scanned_to = 0
        self._keep: tuple[tuple[int, int | None], ...] | None = None
        name = path.rsplit("/", 1)[-1]
        self._account: list[bytes] | None = [] if name in ACCOUNT_FILES else None

    def update(self, chunk: bytes) -> None:
        data = chunk if isinstance(chunk, bytes) else bytes(chunk)
        if self._keep is None:
            skips = () if self._account is not None else code_ranges(data)
            self._keep = _keep_ranges(skips) if skips else ()
        start, stop = self._pos, self._pos + len(data)
        self._pos = stop
        if not self._keep:
            self._scan(data, start)
        else:
            for lo, hi in self._keep:
                a, b = max(lo, start), stop if hi is None else min(hi, stop)
                if a < b:
                    self._scan(data[a - start : b - start], a)
        if self._account is not None:
            self._account.append(data)
            if sum(len(p) for p in self._account) > ACCOUNT_LIMIT:
                self._account = None

    def _scan(self, data: bytes, at: int) -> None:
        """Search ``data`` (the content from offset ``at``), joined to the previous scanned
        bytes' tail only when they are adjacent."""
        self._scanner.bytes_scanned += len(data)
        if self._tail and self._scanned_to == at:
            buf = self._tail + data
        else:
            buf = data
        _search(buf, self._found)
        self._tail = buf[-_TAIL:]
        self._scanned_to = at + len(data)

    def end(self) -> None:
        if self._account is not None:
            kind = self._path.rsplit("/", 1)[-1]
            self._found |= account_markers(kind, b"".join(self._account))
        self._scanner._finish(self._path, self._layer, self._found)


class EtcScanner:
    """A ContentObserver recording, per file and layer version, the markers in its content.

    ``scan_all`` scans every regular file; by default only programs and shared libraries
    (``wants_scan``).
    """

    def __init__(self, *, scan_all: bool = False) -> None:
        self._found: dict[str, dict[int, frozenset[str]]] = {}
        self._scan_all = scan_all
        self.bytes_scanned = 0
        """Content bytes searched (for throughput measurements; ELF code is skipped)."""

    def begin(self, layer_index: int, path: str, entry: FileEntry) -> _Sink | None:
        """A sink for programs and libraries (every file with ``scan_all``), else None."""
        if not (self._scan_all or wants_scan(entry)):
            return None
        return _Sink(self, layer_index, path)

    def _finish(self, path: str, layer: int, found: set[bytes]) -> None:
        if found or path in self._found:
            self._found.setdefault(path, {})[layer] = frozenset(
                m.decode("utf-8", "replace") for m in found
            )

    def versions(self) -> Mapping[str, Mapping[int, frozenset[str]]]:
        """Markers per path and layer index (files with no marker in any version omitted)."""
        return {p: dict(v) for p, v in sorted(self._found.items())}

    def markers_for(self, tree: FileTree | None) -> Mapping[str, frozenset[str]]:
        """Markers of the versions that ``tree`` (the merged filesystem) holds, by path.

        A file overwritten in a later layer gets the later version's markers; files gone
        from the tree and files without markers are left out. Without a tree, the highest
        layer's version of every path.
        """
        out: dict[str, frozenset[str]] = {}
        for path in sorted(self._found):
            versions = self._found[path]
            entry = tree.get(path) if tree is not None else None
            if tree is not None and (entry is None or entry.kind is not FileKind.FILE):
                continue
            layer = entry.layer if entry is not None else None
            found = versions.get(layer) if layer is not None else versions[max(versions)]
            if found:
                out[path] = found
        return out


def etc_markers(observers: Observers, tree: FileTree | None) -> Mapping[str, frozenset[str]]:
    """The markers an EtcScanner among ``observers`` saw for ``tree`` (empty without one)."""
    for observer in observers:
        if isinstance(observer, EtcScanner):
            return observer.markers_for(tree)
    return {}


def scan_chunks(chunks: Iterable[bytes]) -> frozenset[str]:
    """Markers of one content given as chunks (the streaming path, for tests)."""
    scanner = EtcScanner(scan_all=True)
    sink = scanner.begin(0, "f", FileEntry(path="f", kind=FileKind.FILE))
    assert sink is not None
    for chunk in chunks:
        sink.update(chunk)
    sink.end()
    return scanner.versions().get("f", {}).get(0, frozenset())


__all__ = [
    "MARKERS",
    "EtcScanner",
    "code_ranges",
    "etc_markers",
    "find_markers",
    "scan_chunks",
    "wants_scan",
]
