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
position by Python's engine (about 25 MB/s here). The markers are therefore grouped by a
shared literal prefix (``/etc/``, ``get``, ``SSL_C``, ``lib``, ``local``, and one group per
other marker), one regex per group; a regex that starts with a literal is searched at memory
speed by the engine's prefix scan, so the 13 groups together run at about 35-60 MB/s on
random bytes (``tests/unit/loaders/test_etcscan.py`` prints it). Only programs and shared
libraries are scanned (``wants_scan``), a small part of a typical image's bytes. A marker
split across two chunks is found by prepending the last ``len(longest) - 1`` bytes of the
previous chunk to the next one; a marker inside another (``SSL_CERT_FILE`` in
``NIX_SSL_CERT_FILE``) is reported too, as substring semantics (``find_markers``) say.
"""

from __future__ import annotations

import re
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

_PREFIXES = ("/etc/", "get", "SSL_C", "lib", "local")
"""Literal prefixes shared by several markers; every other marker is a group of its own."""


def _groups() -> tuple[tuple[re.Pattern[bytes], frozenset[bytes]], ...]:
    """Markers grouped by a literal prefix, each group one regex starting with that literal."""
    groups: dict[str, list[str]] = {}
    for marker in MARKERS:
        prefix = next((p for p in _PREFIXES if marker.startswith(p)), marker)
        groups.setdefault(prefix, []).append(marker)
    out = []
    for prefix, members in sorted(groups.items()):
        rests = sorted((m[len(prefix) :] for m in members), key=lambda r: (-len(r), r))
        alternatives = b"|".join(re.escape(r.encode()) for r in rests)
        body = re.escape(prefix.encode()) + (b"(?:" + alternatives + b")" if rests != [""] else b"")
        out.append((re.compile(body), frozenset(m.encode() for m in members)))
    return tuple(out)


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
    for pattern, members in _GROUPS:
        if members <= found:
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


class _Sink:
    """One file's content: markers found so far, and the tail of the last chunk."""

    __slots__ = ("_account", "_found", "_layer", "_path", "_scanner", "_tail")

    def __init__(self, scanner: EtcScanner, layer: int, path: str) -> None:
        self._scanner = scanner
        self._layer = layer
        self._path = path
        self._found: set[bytes] = set()
        self._tail = b""
        name = path.rsplit("/", 1)[-1]
        self._account: list[bytes] | None = [] if name in ACCOUNT_FILES else None

    def update(self, chunk: bytes) -> None:
        data = chunk if isinstance(chunk, bytes) else bytes(chunk)
        self._scanner.bytes_scanned += len(data)
        buf = self._tail + data if self._tail else data
        _search(buf, self._found)
        self._tail = buf[-_TAIL:]
        if self._account is not None:
            self._account.append(data)
            if sum(len(p) for p in self._account) > ACCOUNT_LIMIT:
                self._account = None

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
        """Content bytes seen (for throughput measurements)."""

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
    "etc_markers",
    "find_markers",
    "scan_chunks",
    "wants_scan",
]
