"""A Nix store database (``/nix/var/nix/db/db.sqlite``) → Closure, strictly read-only.

The file is opened with SQLite's ``mode=ro&immutable=1`` URI: no lock is taken, no journal
or WAL file is created or read, nothing is written (so a live store's database, a read-only
copy or a file on read-only media all work, and the file's bytes and mtime stay as they were).
With ``LoadOptions.roots`` (the CLI's repeatable ``--root PATH``) only the closure of those
roots is loaded; without, every valid path in the database.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from closurescope.errors import LoadError
from closurescope.loaders._nix import (
    StoreRecord,
    build_closure,
    is_store_path,
    normalize_hash,
    one_line,
)
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.model import Closure

SQLITE_MAGIC = b"SQLite format 3\x00"

_CLOSURE_SQL = """
WITH RECURSIVE closure(id) AS (
    SELECT id FROM ValidPaths WHERE path IN ({marks})
    UNION
    SELECT Refs.reference FROM Refs JOIN closure ON Refs.referrer = closure.id
)
SELECT id FROM closure
"""


def _open(path: Path, display: str) -> sqlite3.Connection:
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        conn = sqlite3.connect(uri, uri=True)
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    except sqlite3.Error as exc:
        raise LoadError(
            display, f"not a readable Nix store database: {one_line(str(exc))}"
        ) from None
    missing = {"ValidPaths", "Refs"} - tables
    if missing:
        conn.close()
        raise LoadError(
            display, f"not a Nix store database: no {' or '.join(sorted(missing))} table"
        )
    return conn


def _records(
    conn: sqlite3.Connection, display: str, roots: tuple[str, ...]
) -> tuple[list[StoreRecord], list[str]]:
    diagnostics: list[str] = []
    ids: set[int] | None = None
    if roots:
        marks = ",".join("?" * len(roots))
        found = {
            row[0]
            for row in conn.execute(f"SELECT path FROM ValidPaths WHERE path IN ({marks})", roots)
        }
        absent = [r for r in roots if r not in found]
        if absent:
            raise LoadError(
                display, f"not valid in this database (nothing found): {', '.join(absent)}"
            )
        ids = {row[0] for row in conn.execute(_CLOSURE_SQL.format(marks=marks), roots)}
    paths: dict[int, str] = {}
    records_raw: list[tuple[int, str, str, int | None, str | None, int | None]] = []
    query = "SELECT id, path, hash, registrationTime, deriver, narSize FROM ValidPaths"
    for vid, path, hash_text, reg_time, deriver, nar_size in conn.execute(query):
        paths[vid] = path
        if ids is None or vid in ids:
            records_raw.append((vid, path, hash_text, reg_time, deriver, nar_size))
    refs: dict[int, list[int]] = {}
    for referrer, reference in conn.execute("SELECT referrer, reference FROM Refs"):
        if ids is None or referrer in ids:
            refs.setdefault(referrer, []).append(reference)
    records: list[StoreRecord] = []
    for vid, path, hash_text, reg_time, deriver, nar_size in records_raw:
        nar_hash: str | None = None
        if isinstance(hash_text, str) and hash_text:
            try:
                nar_hash = normalize_hash(hash_text)
            except ValueError:
                diagnostics.append(f"{path}: unreadable hash {hash_text[:80]!r} ignored")
        ref_paths = []
        for ref in refs.get(vid, []):
            if ref not in paths:
                raise LoadError(display, f"{path} references row {ref}, which is not in ValidPaths")
            ref_paths.append(paths[ref])
        records.append(
            StoreRecord(
                path=path,
                references=tuple(ref_paths),
                nar_size=nar_size if isinstance(nar_size, int) and nar_size >= 0 else None,
                nar_hash=nar_hash,
                deriver=deriver if isinstance(deriver, str) and deriver else None,
                registration_time=reg_time if isinstance(reg_time, int) else None,
            )
        )
    return records, diagnostics


class NixDbLoader:
    """A Nix store SQLite database, opened read-only and immutable."""

    name = "nix-db"
    description = "Nix store SQLite database (db.sqlite), read-only; --root PATH for one closure"
    virtual = False
    autodetect = True

    def sniff(self, source: InputSource) -> bool:
        """The SQLite magic ``SQLite format 3\\0`` at the start of a file."""
        return not source.is_dir and source.head.startswith(SQLITE_MAGIC)

    def load(self, source: InputSource, options: LoadOptions) -> Closure:
        """Read ValidPaths and Refs (the closure of ``options.roots``, or everything)."""
        if source.path is None:
            raise LoadError(source.display, "a Nix database must be a file, not standard input")
        if source.is_dir:
            raise LoadError(source.display, "is a directory; give the db.sqlite file")
        if not os.access(source.path, os.R_OK):
            raise LoadError(source.display, "permission denied")
        roots = tuple(dict.fromkeys(r.rstrip("/") for r in options.roots))
        for root in roots:
            if not is_store_path(root):
                raise LoadError(
                    source.display, f"--root {root} is not a store path (/nix/store/<hash>-<name>)"
                )
        conn = _open(source.path, source.display)
        try:
            records, diagnostics = _records(conn, source.display, roots)
        except sqlite3.Error as exc:
            raise LoadError(
                source.display, f"not a readable Nix store database: {one_line(str(exc))}"
            ) from None
        finally:
            conn.close()
        if not records:
            raise LoadError(source.display, "the database has no valid store paths")
        if roots:
            diagnostics.insert(
                0, f"Nix database: closure of {len(roots)} root(s), {len(records)} store paths"
            )
        else:
            diagnostics.insert(
                0,
                f"Nix database: no --root given, loaded every valid path "
                f"({len(records)} store paths)",
            )
        wal = source.path.with_name(source.path.name + "-wal")
        try:
            wal_size = wal.stat().st_size
        except OSError:
            wal_size = 0
        if wal_size:
            diagnostics.append(
                f"{wal.name} holds {wal_size} bytes not yet checkpointed: paths registered since "
                "the last checkpoint may be missing (read-only loading does not apply it)"
            )
        return build_closure(
            source.display,
            records,
            fmt=self.name,
            description="Nix store database (db.sqlite)",
            roots=roots,
            diagnostics=diagnostics,
        )


LOADER = NixDbLoader()
