"""The nix-db loader on a real Nix 2.8 store database (``nix_data/db.sqlite``), read-only."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load
from closurescope.loaders.base import InputSource, LoadOptions
from closurescope.loaders.nix_db import LOADER
from closurescope.model import NodeId

DATA = Path(__file__).parent / "nix_data"
ROOT = (DATA / "root").read_text().strip()


def path_info() -> dict[str, dict[str, Any]]:
    items: list[dict[str, Any]] = json.loads((DATA / "path-info-S.json").read_text())
    return {i["path"]: i for i in items}


def test_closure_of_a_root_matches_path_info() -> None:
    closure = load(str(DATA / "db.sqlite"), LoadOptions(roots=(ROOT,)))
    assert closure.source.format == "nix-db"
    info = path_info()
    graph = closure.graph
    assert sorted(graph) == sorted(info)
    assert graph.roots == (ROOT,)
    for path, item in info.items():
        comp = graph.component(NodeId(path))
        assert comp.self_size == item["narSize"]
        assert comp.nar_hash == item["narHash"]  # db stores sha256:<base16>
        assert comp.deriver == item.get("deriver")
        assert comp.registration_time == item["registrationTime"]
        assert list(graph.references(NodeId(path))) == sorted(set(item["references"]) - {path})
    assert "closure of 1 root(s), 4 store paths" in closure.diagnostics[0]


def test_whole_database_without_roots() -> None:
    closure = load(str(DATA / "db.sqlite"))
    conn = sqlite3.connect(f"file:{DATA / 'db.sqlite'}?mode=ro&immutable=1", uri=True)
    try:
        every = sorted(row[0] for row in conn.execute("SELECT path FROM ValidPaths"))
    finally:
        conn.close()
    assert sorted(closure.graph) == every
    assert len(every) > len(path_info())  # busybox, the .drv files, app-graph …
    assert "no --root given" in closure.diagnostics[0]
    drvs = [n for n in closure.graph if n.endswith(".drv")]
    assert drvs
    assert all(closure.graph.component(n).name.endswith(".drv") for n in drvs)


def test_several_roots_and_trailing_slash() -> None:
    liba = next(p for p in path_info() if p.endswith("-liba-1.0"))
    closure = load(str(DATA / "db.sqlite"), LoadOptions(roots=(ROOT + "/", liba)))
    assert closure.graph.roots == tuple(sorted((ROOT, liba)))
    assert len(closure.graph) == 4


def test_unknown_root_is_listed() -> None:
    gone = ROOT[: -len("-bin")] + "-gone"
    with pytest.raises(LoadError) as info:
        load(str(DATA / "db.sqlite"), LoadOptions(roots=(ROOT, gone)))
    message = str(info.value)
    assert message == f"{DATA / 'db.sqlite'}: not valid in this database (nothing found): {gone}"


def test_root_that_is_not_a_store_path() -> None:
    with pytest.raises(LoadError, match=r"--root \./result is not a store path"):
        load(str(DATA / "db.sqlite"), LoadOptions(roots=("./result",)))


def _snapshot(directory: Path) -> dict[str, tuple[bytes, int, int]]:
    return {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns, stat.S_IMODE(p.stat().st_mode))
        for p in sorted(directory.iterdir())
    }


@pytest.fixture
def readonly_copy(tmp_path: Path) -> Iterator[Path]:
    """A copy of the db, 0444, in a 0555 directory (restored so pytest can clean up)."""
    directory = tmp_path / "ro"
    directory.mkdir()
    db = directory / "db.sqlite"
    shutil.copy2(DATA / "db.sqlite", db)
    db.chmod(0o444)
    directory.chmod(0o555)
    try:
        yield db
    finally:
        directory.chmod(0o755)


def test_database_is_untouched_and_works_read_only(readonly_copy: Path) -> None:
    before = _snapshot(readonly_copy.parent)
    original_mtime = readonly_copy.stat().st_mtime_ns
    closure = load(str(readonly_copy), LoadOptions(roots=(ROOT,)))
    whole = load(f"nix-db:{readonly_copy}")
    after = _snapshot(readonly_copy.parent)
    assert after == before  # same bytes, same mtime, same mode, no -journal/-wal/-shm files
    assert readonly_copy.stat().st_mtime_ns == original_mtime
    assert list(after) == ["db.sqlite"]
    assert len(closure.graph) == 4
    assert len(whole.graph) > 4
    assert (DATA / "db.sqlite").read_bytes() == readonly_copy.read_bytes()


def test_live_wal_file_is_reported(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    shutil.copy2(DATA / "db.sqlite", db)
    (tmp_path / "db.sqlite-wal").write_bytes(b"\0" * 32)
    closure = load(str(db), LoadOptions(roots=(ROOT,)))
    assert any("db.sqlite-wal holds 32 bytes" in d for d in closure.diagnostics)


def test_corrupt_database(tmp_path: Path) -> None:
    good = (DATA / "db.sqlite").read_bytes()
    bad = tmp_path / "db.sqlite"
    bad.write_bytes(good[:100] + b"\xa5" * 8000)
    with pytest.raises(LoadError) as info:
        load(str(bad))
    assert str(info.value).startswith(f"{bad}: not a readable Nix store database: ")


def test_sqlite_without_nix_tables(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(LoadError, match="not a Nix store database: no Refs or ValidPaths table"):
        load(str(other))


def test_stdin_is_refused() -> None:
    source = InputSource("-", None, io.BytesIO((DATA / "db.sqlite").read_bytes()))
    assert LOADER.sniff(source)
    with pytest.raises(LoadError, match="must be a file, not standard input"):
        LOADER.load(source, LoadOptions())


def test_sniff() -> None:
    assert LOADER.sniff(InputSource.from_arg(str(DATA / "db.sqlite")))
    assert not LOADER.sniff(InputSource.from_arg(str(DATA / "dump-db")))
    assert not LOADER.sniff(InputSource.from_arg(str(DATA)))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file whatever its mode")
def test_unreadable_file(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite"
    shutil.copy2(DATA / "db.sqlite", db)
    db.chmod(0)
    with pytest.raises(LoadError):
        load(f"nix-db:{db}")
