"""JUnit XML for GitLab / Jenkins test reports: one testcase per rule (pass, failure, skipped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from closurescope.report.base import RenderOptions
from closurescope.report.document import Document
from closurescope.units import format_size


class JunitReporter:
    """``--format junit``: a testsuite per input, a testcase per rule."""

    name = "junit"
    description = "JUnit XML (GitLab, Jenkins test reports)"

    def render(self, doc: Document, options: RenderOptions) -> str:
        """Failures list the rule's findings; disabled rules are <skipped/>."""
        names = {rule["id"]: rule["name"] for rule in doc["catalog"]}
        by_rule: dict[str, list[dict[str, object]]] = {}
        for f in doc["findings"]:
            by_rule.setdefault(f["rule_id"], []).append(f)
        tally = doc["summary"]["rules"]
        suites = ET.Element(
            "testsuites",
            name="closurescope",
            tests=str(len(doc["rules"])),
            failures=str(tally["fail"]),
            skipped=str(tally["skip"]),
            errors="0",
        )
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=f"closurescope {doc['source']['path']}",
            tests=str(len(doc["rules"])),
            failures=str(tally["fail"]),
            skipped=str(tally["skip"]),
            errors="0",
        )
        for r in doc["rules"]:
            rid = r["rule_id"]
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"closurescope.{rid}",
                name=f"{rid} {names.get(rid, '')}".strip(),
            )
            if r["status"] == "skip":
                ET.SubElement(case, "skipped", message=r["message"] or "skipped")
            elif r["status"] == "fail":
                lines = []
                for f in by_rule.get(rid, []):
                    saving = f" (saves {format_size(f['saving'])})" if f["saving"] else ""  # type: ignore[arg-type]
                    lines.append(f"{f['title']}{saving}")
                failure = ET.SubElement(
                    case, "failure", message=r["message"] or "failed", type=r["severity"]
                )
                failure.text = "\n".join(lines) or r["message"]
        ET.indent(suites)
        return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


REPORTER = JunitReporter()
