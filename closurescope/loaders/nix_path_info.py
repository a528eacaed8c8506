"""``nix path-info --json [-r] [-S]`` in every shape Nix has printed.

* A — Nix ≤ 2.18: a list of objects with ``path`` (invalid paths: ``"valid": false``).
* B — Nix 2.19–2.32: an object keyed by absolute store path, ``null`` for invalid paths
  (2.23+ writes absent fields as ``null``).
* C1 — ``--json-format 1``: B, each object also carrying ``version: 1`` and ``storeDir``.
* C2/C3 — ``--json-format 2|3``: ``{"version": 2|3, "storeDir": …, "info": {…}}`` keyed by
  store path base name; references and deriver are base names, ``ca`` is structured.

``parse_path_info`` is public: the live ``nix:`` loader feeds it ``nix``'s own output.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from closurescope.errors import LoadError
from closurescope.loaders._nix import (
    DEFAULT_STORE_DIR,
    StoreRecord,
    build_closure,
    hash_from_json,
    is_store_base_name,
    is_store_path,
)
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure

SHAPES_UNDERSTOOD = (
    "expected nix path-info --json output: a list of objects with path (Nix ≤2.18), an object "
    "keyed by store path (Nix 2.19+, --json-format 1), {version, storeDir, info} "
    "(--json-format 2/3) or a structured-attrs exportReferencesGraph .attrs.json"
)

SHAPE_DESCRIPTIONS = {
    "A": "nix path-info --json (Nix ≤2.18 list shape)",
    "B": "nix path-info --json (Nix 2.19+ object shape)",
    "C1": "nix path-info --json-format 1",
    "C2": "nix path-info --json-format 2",
    "C3": "nix path-info --json-format 3",
    "S": "exportReferencesGraph (structured attrs .attrs.json)",
}


@dataclass(frozen=True, slots=True)
class PathInfoDump:
    """What a ``nix path-info --json`` output says: its shape, valid records, invalid paths."""

    shape: str
    """``A``, ``B``, ``C1``, ``C2`` or ``C3`` (see the module docstring)."""
    store_dir: str
    records: tuple[StoreRecord, ...]
    invalid: tuple[str, ...]
    """Paths Nix reported as not valid in the store (sorted)."""

    @property
    def description(self) -> str:
        """A human name of the shape, for Source.description."""
        return SHAPE_DESCRIPTIONS[self.shape]


def _utf8(data: bytes | str, display: str) -> str:
    try:
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise LoadError(display, f"not JSON: not UTF-8 text (byte {exc.start})") from None


def loads_json(data: bytes | str, display: str) -> object:
    """Parse JSON or raise LoadError("not JSON: <error> at line L col C")."""
    return _loads(data, display, {})


def _loads(data: bytes | str, display: str, canon: dict[str, str]) -> object:
    """loads_json, with every ``path`` and ``references`` string of an object replaced by the
    first equal string seen (``canon`` collects them): JSON gives each mention of a store
    path its own string, 1.25 M of them in a 100k-path dump, and most would stay alive."""

    def share(obj: dict[str, object]) -> dict[str, object]:
        refs = obj.get("references")
        if type(refs) is list:
            for i, ref in enumerate(refs):
                if type(ref) is str:
                    refs[i] = canon.setdefault(ref, ref)
        path = obj.get("path")
        if type(path) is str:
            obj["path"] = canon.setdefault(path, path)
        return obj

    text = _utf8(data, display)
    try:
        return json.loads(text, object_hook=share)
    except json.JSONDecodeError as exc:
        msg = exc.msg.removesuffix(" at")  # "Unterminated string starting at"
        raise LoadError(display, f"not JSON: {msg} at line {exc.lineno} col {exc.colno}") from None
    except RecursionError:
        raise LoadError(display, "not JSON: nested too deeply") from None


def _opt_int(display: str, path: str, obj: Mapping[str, object], key: str) -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise LoadError(display, f"{key} of {path} is not a byte count: {json.dumps(value)[:40]}")
    return value


def _record(
    display: str,
    path: str,
    obj: Mapping[str, object],
    store_dir: str,
    base_names: bool,
    canon: dict[str, str],
) -> StoreRecord:
    def resolve(name: object, what: str) -> str:
        if not isinstance(name, str):
            raise LoadError(display, f"{what} of {path} is not a string: {json.dumps(name)[:60]}")
        full = f"{store_dir}/{name}" if base_names and is_store_base_name(name) else name
        known = canon.get(full)
        if known is not None:
            return known  # one string object per store path, not one per mention
        if not is_store_path(full):
            raise LoadError(display, f"{what} of {path} is not a store path: {name}")
        canon[full] = full
        return full

    refs_value = obj.get("references")
    if refs_value is None:
        refs_value = []
    if not isinstance(refs_value, list):
        raise LoadError(display, f"references of {path} is not a list")
    references = tuple(resolve(r, "a reference") for r in refs_value)
    nar_hash: str | None = None
    raw_hash = obj.get("narHash")
    if raw_hash is not None:
        try:
            nar_hash = hash_from_json(raw_hash)
        except ValueError as exc:
            raise LoadError(display, f"narHash of {path}: {exc}") from None
    raw_deriver = obj.get("deriver")
    deriver = resolve(raw_deriver, "deriver") if raw_deriver not in (None, "") else None
    return StoreRecord(
        path=canon.setdefault(path, path),
        references=references,
        nar_size=_opt_int(display, path, obj, "narSize"),
        nar_hash=nar_hash,
        deriver=deriver,
        registration_time=_opt_int(display, path, obj, "registrationTime"),
        closure_size=_opt_int(display, path, obj, "closureSize"),
    )


def _check_path(display: str, path: object) -> str:
    if not isinstance(path, str) or not is_store_path(path):
        shown = path if isinstance(path, str) else json.dumps(path)
        raise LoadError(
            display,
            f"JSON of another shape: {shown[:120]!r} is not a store path; {SHAPES_UNDERSTOOD}",
        )
    return path


def _from_list(display: str, items: Sequence[object], canon: dict[str, str]) -> PathInfoDump:
    records: list[StoreRecord] = []
    invalid: list[str] = []
    for item in items:
        if not isinstance(item, dict) or "path" not in item:
            raise LoadError(
                display,
                "JSON of another shape: a list item is not an object with path; "
                + SHAPES_UNDERSTOOD,
            )
        path = _check_path(display, item["path"])
        if item.get("valid", True) is False:
            invalid.append(path)
            continue
        records.append(_record(display, path, item, DEFAULT_STORE_DIR, False, canon))
    return PathInfoDump("A", DEFAULT_STORE_DIR, tuple(records), tuple(sorted(invalid)))


def _attrs_lists(data: Mapping[str, object]) -> list[list[object]]:
    """The exportReferencesGraph lists of a structured-attrs ``.attrs.json`` (lists of
    ``{"path", "narHash", "narSize", "references", …}`` objects under the attribute names)."""
    return [
        value
        for value in data.values()
        if isinstance(value, list)
        and value
        and all(isinstance(i, dict) and isinstance(i.get("path"), str) for i in value)
    ]


def _from_attrs(display: str, lists: list[list[object]], canon: dict[str, str]) -> PathInfoDump:
    """Structured attrs: every list is a closure in the old list shape; merge them."""
    seen: dict[str, object] = {}
    for items in lists:
        for item in items:
            assert isinstance(item, dict)
            seen.setdefault(item["path"], item)
    dump = _from_list(display, list(seen.values()), canon)
    return PathInfoDump("S", dump.store_dir, dump.records, dump.invalid)


def _from_object(display: str, data: Mapping[str, object], canon: dict[str, str]) -> PathInfoDump:
    if not any(is_store_path(k) for k in data) and "info" not in data:
        lists = _attrs_lists(data)
        if lists:
            return _from_attrs(display, lists, canon)
    if "info" in data and "version" in data:
        version = data["version"]
        info = data["info"]
        store_dir = data.get("storeDir", DEFAULT_STORE_DIR)
        if version not in (2, 3) or not isinstance(info, dict) or not isinstance(store_dir, str):
            raise LoadError(
                display, f"unsupported --json-format version {json.dumps(version)[:20]} (know 2, 3)"
            )
        store_dir = store_dir.rstrip("/")
        shape = f"C{version}"
        base_names = True
        entries: Mapping[str, object] = info
    else:
        store_dir = DEFAULT_STORE_DIR
        shape = "B"
        base_names = False
        entries = data
    records: list[StoreRecord] = []
    invalid: list[str] = []
    for key, value in entries.items():
        full = f"{store_dir}/{key}" if base_names and is_store_base_name(key) else key
        path = _check_path(display, full)
        if value is None:
            invalid.append(path)
            continue
        if not isinstance(value, dict):
            raise LoadError(
                display,
                f"JSON of another shape: the value for {path} is not an object; "
                + SHAPES_UNDERSTOOD,
            )
        if shape == "B" and value.get("version") == 1:
            shape = "C1"
            sd = value.get("storeDir")
            if isinstance(sd, str) and sd:
                store_dir = sd.rstrip("/")
        records.append(_record(display, path, value, store_dir, base_names, canon))
    return PathInfoDump(shape, store_dir, tuple(records), tuple(sorted(invalid)))


def parse_path_info(data: bytes | str | object, display: str) -> PathInfoDump:
    """Parse ``nix path-info --json`` output (bytes/str, or already-decoded JSON).

    Raises LoadError naming ``display`` for non-JSON, JSON of another shape, or fields of the
    wrong type.
    """
    canon: dict[str, str] = {}
    value = _loads(data, display, canon) if isinstance(data, bytes | str) else data
    return _dump_of(value, display, canon)


def _dump_of(value: object, display: str, canon: dict[str, str]) -> PathInfoDump:
    """Decoded JSON → PathInfoDump (the second half of parse_path_info); ``canon`` maps
    each store path to the one string object that stands for it."""
    if isinstance(value, list):
        dump = _from_list(display, value, canon)
    elif isinstance(value, dict):
        dump = _from_object(display, value, canon)
    else:
        raise LoadError(display, f"JSON of another shape: {SHAPES_UNDERSTOOD}")
    if not dump.records:
        if dump.invalid:
            raise LoadError(
                display, f"no valid store paths ({len(dump.invalid)} not valid: {dump.invalid[0]})"
            )
        raise LoadError(display, "no store paths in it (an empty nix path-info --json output)")
    return dump


def closure_from_dump(
    dump: PathInfoDump, display: str, *, fmt: str, roots: Sequence[str] = ()
) -> Closure:
    """A parsed dump → Closure. Invalid paths become diagnostics; missing references a LoadError."""
    invalid = set(dump.invalid)
    for rec in dump.records:
        for ref in rec.references:
            if ref in invalid:
                raise LoadError(
                    display, f"{rec.path} references {ref}, which is not valid in the store"
                )
    diagnostics = [f"{dump.description}: {len(dump.records)} valid store paths"]
    diagnostics += [f"not valid in the store (skipped): {p}" for p in dump.invalid]
    unknown = sum(1 for r in dump.records if r.nar_size is None)
    if unknown:
        diagnostics.append(f"{unknown} store paths have no narSize: their size is unknown")
    return build_closure(
        display,
        dump.records,
        fmt=fmt,
        description=dump.description,
        roots=roots,
        diagnostics=diagnostics,
        missing_hint=" (make the dump with nix path-info --json --recursive)",
    )


class NixPathInfoLoader:
    """``nix path-info --json`` output, saved to a file or piped to stdin."""

    name = "nix-path-info"
    description = (
        "nix path-info --json [-r] [-S] output (Nix ≤2.18 list, 2.19+ object, --json-format 1/2/3)"
    )
    virtual = False
    autodetect = True

    def sniff(self, source: InputSource) -> bool:
        """JSON (``[`` or ``{`` first) mentioning ``"narSize"`` or ``"references"`` early on."""
        if source.is_dir:
            return False
        head = source.head.lstrip()
        if head[:1] not in (b"[", b"{"):
            return False
        return b'"narSize"' in head or b'"references"' in head

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Read the whole JSON document and build the closure (roots: paths nobody references)."""
        # What parse_path_info(fh.read()) does, with each stage dropped as soon as the next
        # exists: the bytes once decoded, the text once parsed, the parsed JSON once turned
        # into records (a 100k-path dump is ~100 MB of text and several times that parsed).
        with source.open() as fh:
            text = _utf8(fh.read(), source.display)
        canon: dict[str, str] = {}
        value = _loads(text, source.display, canon)
        del text
        dump = _dump_of(value, source.display, canon)
        del value
        return closure_from_dump(dump, source.display, fmt=self.name, roots=options.roots)


LOADER = NixPathInfoLoader()
