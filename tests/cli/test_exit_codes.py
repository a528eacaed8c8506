"""Exit codes of `closurescope report`: 0 passed, 1 gate failed, 2 usage/config/input error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closurescope.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
NIX = ROOT / "sample-closures" / "nix"
FULL = NIX / "app-image-root-full.path-info-S.json"  # 6,015,344 bytes (nix path-info -S)
V2 = NIX / "app-image-root-full-v2.path-info-S.json"  # 5,924,104 bytes
MINIMAL = NIX / "app-image-root-minimal.path-info-S.json"  # 1,167,584 bytes


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _report(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(["report", *argv, "--format", "json"])
    out = capsys.readouterr().out
    return code, (json.loads(out) if out else {})


def test_closure_budget_exactly_at_the_limit_passes(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".closurescope.toml").write_text("[budgets]\nclosure-size = 6015344\n")
    code, doc = _report(str(FULL), capsys=capsys)
    assert code == 0
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["CS101"] == "pass"


def test_closure_budget_one_byte_below_fails(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".closurescope.toml").write_text("[budgets]\nclosure-size = 6015343\n")
    code, doc = _report(str(FULL), capsys=capsys)
    assert code == 1
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["CS101"] == "fail"
    assert doc["summary"]["passed"] is False


def test_exit_zero_reports_without_failing(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / ".closurescope.toml").write_text('[budgets]\nclosure-size = "1MB"\n')
    code, doc = _report(str(FULL), "--exit-zero", capsys=capsys)
    assert code == 0
    assert doc["summary"]["passed"] is False


def test_forbidden_component(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / ".closurescope.toml").write_text('forbidden = ["perl"]\n')
    code, doc = _report(str(FULL), capsys=capsys)
    assert code == 1
    assert [f["rule_id"] for f in doc["findings"]] == ["CS104"]
    code, _ = _report(str(MINIMAL), capsys=capsys)
    assert code == 0


def test_fail_on_decides_whether_warnings_gate(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = str(NIX / "images" / "app-full.docker.tar")  # CS501/CS201/CS205 are warnings
    assert _report(image, capsys=capsys)[0] == 0
    assert _report(image, "--fail-on", "warning", capsys=capsys)[0] == 1
    (workdir / ".closurescope.toml").write_text('[rules]\nCS501 = "error"\n')
    assert _report(image, capsys=capsys)[0] == 1
    (workdir / ".closurescope.toml").write_text('[rules]\nCS501 = "off"\n')
    _code, doc = _report(image, "--fail-on", "warning", capsys=capsys)
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["CS501"] == "skip"


def test_growth_budget_against_a_baseline_report(
    workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the minimal closure's report as the baseline and a 10% growth budget
    assert main(["report", str(MINIMAL), "--format", "json", "-o", "base.json"]) == 0
    (workdir / ".closurescope.toml").write_text('[budgets]\ngrowth = "10%"\n')
    # WHEN the full closure (5x bigger) is gated THEN CS110 fails
    code, doc = _report(str(FULL), "--baseline", "base.json", capsys=capsys)
    assert code == 1
    verdicts = {r["rule_id"]: r for r in doc["rules"]}
    assert verdicts["CS110"]["status"] == "fail"
    assert verdicts["CS110"]["value"] == str(6015344 - 1167584)
    assert doc["baseline"]["total_delta"] == 6015344 - 1167584
    # AND a shrinking closure passes the same budget
    assert main(["report", str(FULL), "--format", "json", "-o", "full.json"]) == 0
    code, doc = _report(str(V2), "--baseline", "full.json", capsys=capsys)
    assert code == 0
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["CS110"] == "pass"


def test_new_findings_against_a_baseline(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    image = str(NIX / "images" / "app-full.docker.tar")
    minimal = str(NIX / "images" / "app-minimal.docker.tar")
    assert main(["report", minimal, "--format", "json", "-o", "base.json"]) == 0
    code, doc = _report(image, "--baseline", "base.json", capsys=capsys)
    assert code == 1
    assert {r["rule_id"]: r["status"] for r in doc["rules"]}["CS111"] == "fail"
    assert doc["baseline"]["findings"]["new"]
    code, doc = _report(image, "--baseline", image, capsys=capsys)
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "missing.json"], "missing.json: no such file or directory"),
        (["report", str(FULL), "--config", "nope.toml"], "nope.toml: no such config file"),
        (["report", str(FULL), "--top", "0"], "--top must be at least 1"),
        (["report", "nix-dot:" + str(FULL)], "DOT syntax error"),
    ],
)
def test_usage_config_and_input_errors_are_2(
    argv: list[str], message: str, workdir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_config_value_is_2(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / ".closurescope.toml").write_text('[budgets]\nclosure-size = "lots"\n')
    assert main(["report", str(FULL)]) == 2
    err = capsys.readouterr().err
    assert "budgets.closure-size" in err
    assert "'lots'" in err


def test_timestamp_only_when_asked(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "timestamp" not in _report(str(FULL), capsys=capsys)[1]
    assert "timestamp" in _report(str(FULL), "--timestamp", capsys=capsys)[1]
