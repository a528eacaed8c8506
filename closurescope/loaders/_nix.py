"""Helpers shared by the Nix closure loaders: store paths, hash encodings, graph building.

Everything here is pure: no I/O, no subprocesses. The loaders turn what these functions
raise into ``LoadError`` messages naming the input.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from closurescope.errors import LoadError
from closurescope.model import (
    Closure,
    Component,
    ComponentKind,
    DepGraphBuilder,
    GraphIntegrityError,
    NodeId,
    Source,
    split_name_version,
    store_path_name,
)
from closurescope.model.component import NIX32_ALPHABET, STORE_PATH_RE

DEFAULT_STORE_DIR = "/nix/store"

_HASH_SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}
_NIX32_INDEX = {c: i for i, c in enumerate(NIX32_ALPHABET)}
_BASE_NAME_RE = re.compile(r"^[0123456789abcdfghijklmnpqrsvwxyz]{32}-[0-9A-Za-z+\-._?=]+$")
_ANSI_RE = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def is_store_path(text: str) -> bool:
    """True for an absolute store path (``/nix/store/<32 nix32 chars>-<name>``, any store dir)."""
    return text.startswith("/") and STORE_PATH_RE.match(text) is not None


def is_store_base_name(text: str) -> bool:
    """True for a store path base name (``<32 nix32 chars>-<name>``)."""
    return _BASE_NAME_RE.match(text) is not None


def nix32_decode(text: str, size: int) -> bytes:
    """Decode Nix's base-32 (ValueError on a bad character or length).

    Nix treats the bytes as a little-endian number and writes its base-32 digits from the
    most significant one down, so the last character holds bits 0–4 of byte 0.
    """
    if len(text) != (size * 8 - 1) // 5 + 1:
        raise ValueError(f"nix32 hash of {size} bytes must have {(size * 8 - 1) // 5 + 1} chars")
    out = bytearray(size)
    for n in range(len(text)):
        char = text[len(text) - n - 1]
        digit = _NIX32_INDEX.get(char)
        if digit is None:
            raise ValueError(f"{char!r} is not a nix32 character")
        bit = n * 5
        i, j = divmod(bit, 8)
        out[i] |= (digit << j) & 0xFF
        carry = digit >> (8 - j)
        if i < size - 1:
            out[i + 1] |= carry
        elif carry:
            raise ValueError("nix32 hash has bits beyond its size")
    return bytes(out)


def _decode_digest(algo: str, text: str) -> bytes:
    size = _HASH_SIZES[algo]
    if len(text) == size * 2 and re.fullmatch(r"[0-9a-fA-F]+", text):
        return bytes.fromhex(text)
    if len(text) == (size * 8 - 1) // 5 + 1:
        return nix32_decode(text, size)
    if len(text) == (size + 2) // 3 * 4:
        try:
            raw = base64.b64decode(text, validate=True)
        except binascii.Error:
            raw = b""
        if len(raw) == size:
            return raw
    raise ValueError(f"{text!r} is not a {algo} hash in base16, nix32 or base64")


def normalize_hash(text: str) -> str:
    """Any hash encoding Nix prints → SRI (``sha256-<base64>``); ValueError when it is none.

    Accepts SRI (``sha256-…``), ``sha256:<nix32|base16|base64>`` and a bare digest, which
    is taken as sha256 (what ``nix-store --dump-db`` writes as base16).
    """
    text = text.strip()
    algo: str
    digest: str
    if ":" in text:
        algo, _, digest = text.partition(":")
    elif "-" in text and text.split("-", 1)[0] in _HASH_SIZES:
        algo, _, digest = text.partition("-")
        try:
            raw = base64.b64decode(digest, validate=True)
        except binascii.Error:
            raise ValueError(f"{text!r} is not an SRI hash") from None
        if len(raw) != _HASH_SIZES[algo]:
            raise ValueError(f"{text!r} has the wrong length for {algo}")
        return f"{algo}-{base64.b64encode(raw).decode()}"
    else:
        algo, digest = "sha256", text
    if algo not in _HASH_SIZES:
        raise ValueError(f"unknown hash algorithm {algo!r}")
    raw = _decode_digest(algo, digest)
    return f"{algo}-{base64.b64encode(raw).decode()}"


def hash_from_json(value: object) -> str:
    """A ``narHash`` JSON value (string, or ``{"algorithm", "hash"[, "format"]}``) → SRI."""
    if isinstance(value, str):
        return normalize_hash(value)
    if isinstance(value, dict):
        algo = value.get("algorithm")
        digest = value.get("hash")
        if isinstance(digest, str):
            if isinstance(algo, str) and not digest.startswith(algo):
                return normalize_hash(f"{algo}:{digest}")
            return normalize_hash(digest)
    raise ValueError(f"{json.dumps(value)[:60]} is not a hash")


def store_component(
    path: str,
    *,
    nar_size: int | None,
    nar_hash: str | None = None,
    deriver: str | None = None,
    registration_time: int | None = None,
    closure_size: int | None = None,
) -> Component:
    """A STORE_PATH component for ``path`` (name and version parsed from the base name)."""
    name = store_path_name(path)
    version = split_name_version(name)[1] or None
    return Component(
        id=NodeId(path),
        kind=ComponentKind.STORE_PATH,
        name=name,
        self_size=nar_size,
        version=version,
        nar_hash=nar_hash,
        deriver=deriver or None,
        registration_time=registration_time or None,
        reported_closure_size=closure_size,
    )


@dataclass(frozen=True, slots=True)
class StoreRecord:
    """One valid store path as a Nix output described it (format-neutral)."""

    path: str
    references: tuple[str, ...]
    nar_size: int | None = None
    nar_hash: str | None = None
    deriver: str | None = None
    registration_time: int | None = None
    closure_size: int | None = None


def build_closure(
    display: str,
    records: Iterable[StoreRecord],
    *,
    fmt: str,
    description: str,
    roots: Iterable[str] = (),
    diagnostics: Iterable[str] = (),
    missing_hint: str = "",
) -> Closure:
    """Records → Closure through DepGraphBuilder; graph problems become one-line LoadErrors.

    A reference to a path that is not in ``records`` is a LoadError naming that path
    (``missing_hint`` is appended, e.g. how to make a recursive dump).
    """
    builder = DepGraphBuilder()
    recs = sorted(records, key=lambda r: r.path)
    # Each path → the one string object its component's id is: references then point at
    # that object instead of keeping their own copies alive in the graph (1.25 M of them in
    # a 100k-path closure).
    known = {r.path: NodeId(r.path) for r in recs}
    for rec in recs:
        builder.add(
            store_component(
                rec.path,
                nar_size=rec.nar_size,
                nar_hash=rec.nar_hash,
                deriver=rec.deriver,
                registration_time=rec.registration_time,
                closure_size=rec.closure_size,
            )
        )
    for rec in recs:
        src = known[rec.path]
        for ref in sorted(set(rec.references)):
            dst = known.get(ref)
            if dst is None:
                raise LoadError(
                    display, f"{rec.path} references {ref}, which is not in the input{missing_hint}"
                )
            builder.add_reference(src, dst)
    for root in sorted(set(roots)):
        builder.add_root(NodeId(root))
    try:
        graph = builder.build()
    except GraphIntegrityError as exc:
        raise LoadError(display, one_line(str(exc))) from None
    return Closure(
        source=Source(path=display, format=fmt, description=description),
        graph=graph,
        diagnostics=tuple(diagnostics),
    )


def one_line(text: str) -> str:
    """Collapse whitespace and strip terminal colours so a message fits on one line."""
    return " ".join(_ANSI_RE.sub("", text).split())
