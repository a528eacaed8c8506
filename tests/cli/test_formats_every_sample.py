"""Every machine format is produced for every sample and validated (JSON and SARIF against their
schemas, JUnit parsed, GitHub annotations well formed)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from closurescope.cli import main
from tests.samples import ROOT, all_samples, sample_id

REPORT_SCHEMA = json.loads((ROOT / "docs" / "reference" / "report.schema.json").read_text())
SARIF = jsonschema.Draft4Validator(
    json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())
)
REPORT = jsonschema.Draft202012Validator(REPORT_SCHEMA)


def _extra(path: Path) -> list[str]:
    return ["--platform", "linux/amd64"] if path.name == "multi-oci" else []


@pytest.mark.parametrize("sample", all_samples(), ids=sample_id)
def test_every_format_for_every_sample(
    sample: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["report", str(sample), *_extra(sample), "--exit-zero"]
    assert main([*argv, "-f", "json", "-o", str(tmp_path / "r.json")]) == 0
    doc = json.loads((tmp_path / "r.json").read_text())
    REPORT.validate(doc)
    assert main([*argv, "-f", "sarif", "-o", str(tmp_path / "r.sarif")]) == 0
    sarif = json.loads((tmp_path / "r.sarif").read_text())
    SARIF.validate(sarif)
    assert len(sarif["runs"][0]["results"]) >= len(doc["findings"])
    assert main([*argv, "-f", "junit", "-o", str(tmp_path / "r.xml")]) == 0
    cases = ET.parse(tmp_path / "r.xml").getroot().findall("./testsuite/testcase")
    assert len(cases) == len(doc["rules"])
    assert main([*argv, "-f", "github"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith(("::error ", "::warning ", "::notice ")) for line in lines)
    assert len(lines) >= len(doc["findings"]) + 1
    assert main([*argv, "-f", "markdown", "-o", str(tmp_path / "r.md")]) == 0
    assert len((tmp_path / "r.md").read_text()) < 65536
