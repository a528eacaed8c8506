"""Every `closurescope …` command line in docs/how-to/ci.md runs against the samples."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from closurescope.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "how-to" / "ci.md"
IMAGE = ROOT.parent / "shared" / "corpus" / "dive" / "test-docker-image.tar"
CLOSURE = ROOT / "tests" / "unit" / "loaders" / "nix_data" / "path-info-S.json"
_LINE = re.compile(r"^\s*(?:- )?(?:run: )?(closurescope .+)$")


def doc_commands() -> list[str]:
    """The closurescope command lines of the YAML blocks, in order."""
    commands: list[str] = []
    in_yaml = False
    for line in DOC.read_text().splitlines():
        if line.startswith("```"):
            in_yaml = line.strip() == "```yaml"
            continue
        match = _LINE.match(line) if in_yaml else None
        if match:
            commands.append(match.group(1))
    return commands


def test_the_page_has_commands() -> None:
    assert len(doc_commands()) >= 7


@pytest.mark.skipif(not IMAGE.is_file(), reason="../shared/corpus is not present")
def test_doc_commands_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN a CI workspace holding the image, a Nix closure and a baseline from an earlier run
    shutil.copy(IMAGE, tmp_path / "image.tar")
    shutil.copy(CLOSURE, tmp_path / "closure.json")
    monkeypatch.chdir(tmp_path)
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    assert main(["report", "image.tar", "--format", "json", "-o", "old-report.json"]) == 0
    # WHEN every documented command runs THEN each succeeds
    for command in doc_commands():
        argv = shlex.split(command)[1:]
        assert main(argv) == 0, command
        capsys.readouterr()
    # THEN the files the pipelines upload are valid
    assert json.loads((tmp_path / "cs.sarif").read_text())["version"] == "2.1.0"
    assert ET.parse(tmp_path / "closurescope.xml").getroot().tag == "testsuites"
    assert json.loads((tmp_path / "closurescope.json").read_text())["schema_version"] == 1
    assert (tmp_path / "comment.md").read_text().startswith("## closurescope")
    assert summary.read_text().startswith("## closurescope")
