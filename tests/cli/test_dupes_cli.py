"""``closurescope dupes``: the lean directory path, formats, budget, other inputs, bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from closurescope.cli import main
from tests.conftest import SAMPLES

TZDATA_RSYNC = SAMPLES / "nix" / "images" / "tzdata-rsync-k.docker.tar"
PATH_INFO = SAMPLES / "nix" / "app-image-root-full.path-info-S.json"
DUPLICATE_RULES = {"CS202", "CS203", "CS204", "CS205"}


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A runtime tree copied whole, a package inside it copied again, loose copies."""
    root = tmp_path_factory.mktemp("dupes") / "root"
    payload = os.urandom(200_000)  # bigger than the whole-read limit: partial hash first
    _write(root / "usr/lib/pkg/data.bin", payload)
    _write(root / "usr/lib/pkg/small.txt", b"small file\n" * 10)
    _write(root / "usr/lib/libc.so", os.urandom(30_000))
    _write(root / "usr/lib/same-size-other.bin", os.urandom(200_000))  # size twin, not a copy
    shutil.copytree(root / "usr/lib", root / "opt/runtime", symlinks=True)
    shutil.copytree(root / "usr/lib/pkg", root / "opt/pkg", symlinks=True)
    _write(root / "srv/a.bin", payload[:50_000])
    _write(root / "srv/b.bin", payload[:50_000])
    os.link(root / "srv/a.bin", root / "srv/a-hardlink.bin")  # one file, not a copy
    _write(root / "srv/empty1", b"")
    _write(root / "srv/empty2", b"")
    os.symlink("a.bin", root / "srv/link.bin")
    return root


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(argv) == 0
    doc: dict[str, object] = json.loads(capsys.readouterr().out)
    return doc


def test_json_lists_trees_then_nested_copy_then_files(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = _json(["dupes", str(tree), "-f", "json"], capsys)
    findings = doc["findings"]
    assert isinstance(findings, list)
    got = [(f["rule"], f["paths"], f["saving"]) for f in findings]
    lib = 200_000 + 110 + 30_000 + 200_000
    pkg = 200_000 + 110
    assert got == [
        ("CS205", ["opt/runtime", "usr/lib"], lib),
        # pkg three times: the copy inside the removed usr/lib goes with it
        ("CS205", ["opt/pkg", "opt/runtime/pkg"], pkg),
        ("CS204", ["srv/a-hardlink.bin", "srv/b.bin"], 50_000),  # first name of the inode
    ]
    assert doc["reclaimable"] == lib + pkg + 50_000
    assert doc["entries"] == 24
    assert findings[0]["fix"] == "rm -rf /usr/lib && ln -s /opt/runtime /usr/lib"


def test_same_findings_as_the_report_of_the_full_loader(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dupes = _json(["dupes", str(tree), "-f", "json"], capsys)
    assert main(["report", str(tree), "--format", "json"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    theirs = sorted(
        (f["rule_id"], f["saving"], f["title"])
        for f in report["findings"]
        if f["rule_id"] in DUPLICATE_RULES
    )
    findings = dupes["findings"]
    assert isinstance(findings, list)
    assert sorted((f["rule"], f["saving"], f["title"]) for f in findings) == theirs


def test_table_and_limit(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dupes", str(tree), "--limit", "1"]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no progress bar when stderr is not a terminal
    lines = out.splitlines()
    assert lines[0] == f"{tree}: 24 entries, 14 files"  # srv/a.bin is a hardlink
    assert lines[1].startswith("reclaimable: 664.3 KiB (680,220 bytes, each byte counted once)")
    assert "CS205" in lines[3]
    assert "/opt/runtime is stored 2 times" in lines[3]
    assert lines[4:6] == ["    /opt/runtime", "    /usr/lib"]
    assert lines[-1] == "… 2 more (--limit 0 shows all)"


def test_paths_format_is_jdupes_like(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dupes", str(tree), "-f", "paths"]) == 0
    blocks = capsys.readouterr().out.split("\n\n")
    assert [b.split() for b in blocks] == [
        ["opt/runtime", "usr/lib"],
        ["opt/pkg", "opt/runtime/pkg"],
        ["srv/a-hardlink.bin", "srv/b.bin"],
    ]


def test_budget_exit_codes(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dupes", str(tree), "--budget", "680220"]) == 0
    assert "budget: 680220 duplicate bytes" in capsys.readouterr().out
    assert main(["dupes", str(tree), "--budget", "600KB"]) == 1
    assert "budget: too many duplicate bytes (680220 > 600000)" in capsys.readouterr().out


def test_ignore_glob(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = _json(["dupes", str(tree), "-f", "json", "--ignore", "srv/*"], capsys)
    findings = doc["findings"]
    assert isinstance(findings, list)
    assert [f["rule"] for f in findings] == ["CS205", "CS205"]


def test_rootfs_prefix_and_an_image(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = _json(["dupes", str(tree), "-f", "json"], capsys)
    prefixed = _json(["dupes", f"rootfs:{tree}", "-f", "json"], capsys)
    assert plain["findings"] == prefixed["findings"]
    image = _json(["dupes", str(TZDATA_RSYNC), "-f", "json"], capsys)
    findings = image["findings"]
    assert isinstance(findings, list)
    assert findings[0]["rule"] == "CS202"  # zoneinfo/posix/posix/… from rsync -k
    assert isinstance(image["reclaimable"], int)
    assert image["reclaimable"] > 100_000


def test_an_oci_layout_directory_is_read_as_an_image(capsys: pytest.CaptureFixture[str]) -> None:
    layout = SAMPLES / "images" / "image-oci"
    assert main(["dupes", str(layout)]) == 0  # the image's merged tree, as `report` reads it
    assert capsys.readouterr().out.startswith(f"{layout}: 18 entries, 5 files\n")
    assert main(["dupes", f"rootfs:{layout}"]) == 0  # the layout's own files, when asked
    assert capsys.readouterr().out.startswith(f"{layout}: 12 entries, 10 files\n")


def test_an_image_on_standard_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dupes", str(TZDATA_RSYNC), "-f", "paths"]) == 0
    from_file = capsys.readouterr().out
    proc = subprocess.run(
        [sys.executable, "-m", "closurescope", "dupes", "-", "-f", "paths"],
        input=TZDATA_RSYNC.read_bytes(),
        capture_output=True,
        check=True,
    )
    assert proc.stdout.decode() == from_file
    assert proc.stderr == b""


def test_an_input_without_files_is_a_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dupes", str(PATH_INFO)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "a nix-path-info input has no file tree; dupes reads an image, a root" in err


def test_missing_input_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["dupes", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "nope" in err


def test_the_readme_example_is_what_the_command_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    block = readme.split("$ closurescope dupes ", 1)[1].split("```", 1)[0]
    command, expected = block.split("\n", 1)
    assert main(["dupes", *command.split()]) == 0
    assert capsys.readouterr().out == expected


def test_what_cannot_be_read_is_a_warning_not_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "root"
    (root / "srv").mkdir(parents=True)
    (root / "srv/a").write_bytes(b"same content\n")
    (root / "srv/b").write_bytes(b"same content\n")
    os.close(os.open(os.fsencode(root / "srv") + b"/bad-\xff", os.O_CREAT | os.O_WRONLY))
    assert main(["dupes", str(root), "-f", "paths"]) == 0
    out, err = capsys.readouterr()
    assert out == "srv/a\nsrv/b\n"
    assert err == (f"closurescope: warning: {root}: skipped a name that is not UTF-8 under srv\n")
