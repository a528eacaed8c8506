"""The CLI front door: exit codes, formats, errors as one line, stdin."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from closurescope.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
NIX_DATA = ROOT / "tests" / "unit" / "loaders" / "nix_data"
CLOSURE = NIX_DATA / "path-info-S.json"


def test_help_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    # WHEN asking for help THEN every command is listed and the exit code is 0
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("report", "why", "diff", "formats"):
        assert command in out


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2


def test_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--no-such-flag", str(CLOSURE)]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments" in err
    assert "Traceback" not in err


def test_missing_input_is_one_line_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "does-not-exist.json"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "closurescope: error: does-not-exist.json: no such file or directory"


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "sarif", "junit", "github"])
def test_report_every_format(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN a real `nix path-info --json -r -S` output WHEN reported THEN it passes
    assert main(["report", str(CLOSURE), "--format", fmt]) == 0
    out = capsys.readouterr().out
    assert out.endswith("\n")
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_report_is_deterministic(capsys: pytest.CaptureFixture[str]) -> None:
    main(["report", str(CLOSURE), "--format", "json"])
    first = capsys.readouterr().out
    main(["report", str(CLOSURE), "--format", "json"])
    assert capsys.readouterr().out == first


def test_report_json_sizes_match_nix(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN nix path-info -rsS's own numbers WHEN reported THEN self and closure sizes equal them
    truth = {}
    for line in (NIX_DATA / "path-info-S.txt").read_text().splitlines():
        path, nar, closure = line.split()
        truth[path] = (int(nar), int(closure))
    main(["report", str(CLOSURE), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    got = {c["id"]: (c["self_size"], c["closure_size"]) for c in doc["components"]}
    assert got == truth


def test_report_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN `nix path-info --json -r | closurescope report -`
    data = CLOSURE.read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["report", "-", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"]["path"] == "-"
    assert doc["summary"]["components"] == 4


def test_output_file_written_only_there(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "out.md"
    assert main(["report", str(CLOSURE), "-f", "markdown", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert target.read_text().startswith("## closurescope")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.md"]


def test_output_into_missing_directory_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(CLOSURE), "-o", str(tmp_path / "no" / "x.json")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_unknown_format_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(CLOSURE), "--format", "yaml"]) == 2
    assert "unknown format 'yaml'" in capsys.readouterr().err


def test_formats_lists_loaders(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["formats"]) == 0
    out = capsys.readouterr().out
    for name in ("nix-path-info", "nix-dot", "nix-registration", "nix-db", "nix"):
        assert any(line.split()[0] == name for line in out.splitlines())


def test_why_glibc_like_chain(capsys: pytest.CaptureFixture[str]) -> None:
    # GIVEN the real closure app → tool → libb → liba WHEN asking why liba THEN a chain is shown
    assert main(["why", str(CLOSURE), "liba", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (entry,) = doc["why"]
    assert entry["target"].endswith("-liba-1.0")
    chain = entry["chains"][0]
    assert chain[0].endswith("-app-0.3-bin")
    assert chain[-1] == entry["target"]


def test_why_nothing_matches_is_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", str(CLOSURE), "no-such-package"]) == 1
