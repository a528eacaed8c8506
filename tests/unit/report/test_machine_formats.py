"""JSON, SARIF, JUnit and GitHub output validated against their schemas and parsers."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from closurescope.analysis import analyze
from closurescope.loaders import load
from closurescope.model import Finding, Fix, RuleResult, Severity, Status
from closurescope.report import RenderOptions, reporters
from closurescope.report.document import Document, apply_extra_verdicts, build_document

ROOT = Path(__file__).resolve().parents[3]
CLOSURE = ROOT / "tests" / "unit" / "loaders" / "nix_data" / "path-info-S.json"
REPORT_SCHEMA = json.loads((ROOT / "docs" / "reference" / "report.schema.json").read_text())
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())


def _doc_with_findings() -> Document:
    """A real closure's report plus one finding and one failed budget, as detectors make them."""
    closure = load(str(CLOSURE))
    result = analyze(closure)
    doc = build_document(closure, result)
    tool = next(c["id"] for c in doc["components"] if c["name"] == "tool-2.1")
    finding = Finding(
        rule_id="CS104",
        severity=Severity.ERROR,
        title="forbidden component tool-2.1 (matches 'tool-*')",
        subjects=(tool,),
        saving=984,
        evidence=("app-0.3-bin → tool-2.1",),
        fix=Fix(text="drop it", snippet="contents = [ app ];", snippet_lang="nix"),
    )
    from closurescope.report.document import finding_doc

    doc["findings"] = [finding_doc(finding)]
    verdicts = (
        RuleResult(rule_id="CS104", status=Status.FAIL, severity=Severity.ERROR, message="1"),
        RuleResult(
            rule_id="CS101", status=Status.FAIL, severity=Severity.ERROR, message="over budget"
        ),
        RuleResult(rule_id="CS204", status=Status.SKIP, severity=Severity.WARNING, message="off"),
    )
    return apply_extra_verdicts(doc, verdicts, Severity.ERROR)


@pytest.fixture(scope="module")
def doc() -> Document:
    return _doc_with_findings()


def _render(fmt: str, doc: Document) -> str:
    return reporters()[fmt].render(doc, RenderOptions())


def test_json_validates_against_published_schema(doc: Document) -> None:
    jsonschema.validate(json.loads(_render("json", doc)), REPORT_SCHEMA)


def test_plain_report_validates_too() -> None:
    closure = load(str(CLOSURE))
    plain = build_document(closure, analyze(closure), timestamp="2026-01-01T00:00:00+00:00")
    jsonschema.validate(json.loads(_render("json", plain)), REPORT_SCHEMA)


def test_sarif_validates_against_official_schema(doc: Document) -> None:
    sarif = json.loads(_render("sarif", doc))
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(sarif)
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"CS104", "CS101"}
    assert all(r["level"] == "error" for r in results)
    # skipped (disabled) rules are not results
    assert "CS204" not in {r["ruleId"] for r in results}


def test_junit_one_testcase_per_rule(doc: Document) -> None:
    root = ET.fromstring(_render("junit", doc))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(doc["rules"])
    by_class = {c.get("classname"): c for c in cases}
    assert by_class["closurescope.CS104"].find("failure") is not None
    assert "forbidden component" in (by_class["closurescope.CS104"].find("failure").text or "")
    assert by_class["closurescope.CS204"].find("skipped") is not None
    assert root.get("failures") == "2"


def test_github_annotations_escape_and_tally(doc: Document) -> None:
    lines = _render("github", doc).splitlines()
    assert lines[0].startswith("::error title=CS104 ")
    assert "%0AFix: drop it" in lines[0]
    assert any(line.startswith("::error title=CS101 ") for line in lines)
    assert lines[-1].startswith("::notice title=closurescope::FAIL [")


def test_markdown_fits_a_comment_and_has_details(doc: Document) -> None:
    text = _render("markdown", doc)
    assert len(text) < 65536
    assert "<details>" in text
    assert "```nix" in text


def test_table_tally_like_dive(doc: Document) -> None:
    text = _render("table", doc)
    assert text.rstrip().splitlines()[-1].startswith("FAIL [")
    assert "Evaluation:" in text


def test_fail_on_warning_fails_on_warning_rules() -> None:
    closure = load(str(CLOSURE))
    doc = build_document(closure, analyze(closure))
    verdict = RuleResult(rule_id="CS204", status=Status.FAIL, severity=Severity.WARNING)
    assert apply_extra_verdicts(doc, (verdict,), Severity.ERROR)["summary"]["passed"] is True
    assert apply_extra_verdicts(doc, (verdict,), Severity.WARNING)["summary"]["passed"] is False
