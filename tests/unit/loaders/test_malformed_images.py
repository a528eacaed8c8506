"""Broken image archives: one-line LoadError naming the file (or a documented diagnostic),
never a traceback, and nothing written to disk."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load

ROOT = Path(__file__).resolve().parents[3]
BROKEN = ROOT / "sample-closures" / "broken" / "images"

ERRORS = {
    "truncated-gzip-layer.docker.tar": "truncated gzip stream",
    "corrupt-gzip-layer.docker.tar": "corrupt gzip stream",
    "corrupt-zstd-layer.oci-archive.tar": "corrupt zstd stream",
    "missing-blob.oci-archive.tar": "is missing from the archive",
    "digest-mismatch.oci-archive.tar": "digest mismatch",
    "diff-id-mismatch.docker.tar": "config diff_id is sha256:1111",
    "dotdot-member.docker.tar": "'etc/../../outside.txt' escapes the root",
    "absolute-escape.docker.tar": "absolute member '/../../etc/shadow' escapes the root",
    "hardlink-escape.docker.tar": "hardlink 'etc/evil' points outside the root",
    "hardlink-missing.docker.tar": "neither earlier in this layer nor in the layers below",
    "non-utf8-name.docker.tar": "not UTF-8",
    "size-past-end.docker.tar": "truncated",
    "truncated-tar-layer.docker.tar": "truncated tar stream",
}

DIAGNOSTICS = {
    "symlink-escape.docker.tar": "symlink 'etc/evil' -> '../../../../etc/shadow' points above",
    "duplicate-path.docker.tar": "'etc/motd' appears 2 times in this tar; the last one is kept",
}


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cwd and an empty private temp dir, so any write would show."""
    (tmp_path / "cwd").mkdir()
    (tmp_path / "tmp").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def snapshot() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(os.listdir(".")), frozenset(os.listdir(tempfile.gettempdir()))


def test_every_sample_is_covered() -> None:
    on_disk = {p.name for p in BROKEN.glob("*.tar")}
    assert on_disk == set(ERRORS) | set(DIAGNOSTICS)


@pytest.mark.parametrize(("name", "expected"), sorted(ERRORS.items()))
def test_broken_sample_is_one_line_load_error(name: str, expected: str, sandbox: Path) -> None:
    path = str(BROKEN / name)
    before = snapshot()
    assert before == (frozenset(), frozenset())
    with pytest.raises(LoadError) as info:
        load(path)
    message = str(info.value)
    assert message.startswith(path + ": ")
    assert expected in message
    assert "\n" not in message
    assert "Traceback" not in message
    assert info.value.__cause__ is None or isinstance(info.value.__cause__, LoadError)
    assert snapshot() == before


@pytest.mark.parametrize(("name", "expected"), sorted(DIAGNOSTICS.items()))
def test_odd_but_legal_sample_loads_with_a_diagnostic(
    name: str, expected: str, sandbox: Path
) -> None:
    before = snapshot()
    assert before == (frozenset(), frozenset())
    closure = load(str(BROKEN / name))
    assert any(expected in d for d in closure.diagnostics)
    assert snapshot() == before


def test_duplicate_path_keeps_the_last_copy() -> None:
    closure = load(str(BROKEN / "duplicate-path.docker.tar"))
    assert closure.files is not None
    motd = closure.files.get("etc/motd")
    assert motd is not None
    assert motd.size == len(b"second, kept\n")
    # dive counts both headers in the layer size
    assert closure.layers[0].content_size == len(b"first version\n") + len(b"second, kept\n")


def test_symlink_escape_is_kept_as_data() -> None:
    closure = load(str(BROKEN / "symlink-escape.docker.tar"))
    assert closure.files is not None
    evil = closure.files.get("etc/evil")
    assert evil is not None
    assert evil.link_target == "../../../../etc/shadow"
    # resolved inside the image: etc/shadow is not there (nothing on the host is looked at)
    assert closure.files.resolve("etc/evil").status.value == "dangling"
