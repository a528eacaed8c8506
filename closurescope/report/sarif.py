"""SARIF 2.1.0 for GitHub code scanning: rules from the catalog, results from findings.

In-image paths are not files of the repository, so every result is located at the INPUT (the
image or closure file) and names the in-image subjects as logical locations. Failed budget
rules without findings become one result each. No timestamps (output is deterministic).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from closurescope.report.base import RenderOptions
from closurescope.report.document import Document
from closurescope.units import format_size

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
INFORMATION_URI = "https://github.com/closurescope/closurescope"


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


class SarifReporter:
    """``--format sarif``: SARIF 2.1.0 (upload with github/codeql-action/upload-sarif)."""

    name = "sarif"
    description = "SARIF 2.1.0 for GitHub code scanning"

    def render(self, doc: Document, options: RenderOptions) -> str:
        """One run; rules = the catalog; results = findings and failed budget rules."""
        catalog = doc["catalog"]
        index = {rule["id"]: i for i, rule in enumerate(catalog)}
        rules = [
            {
                "id": rule["id"],
                "name": rule["name"],
                "shortDescription": {"text": rule["summary"]},
                "fullDescription": {"text": rule["help"]},
                "help": {"text": rule["help"]},
                "defaultConfiguration": {"level": LEVELS[rule["severity"]]},
            }
            for rule in catalog
        ]
        uri = doc["source"]["path"]
        location = {"physicalLocation": {"artifactLocation": {"uri": uri}}}
        results: list[dict[str, Any]] = []
        with_findings = set()
        for f in doc["findings"]:
            with_findings.add(f["rule_id"])
            text = f["title"]
            if f["saving"]:
                text += f" (saves {format_size(f['saving'])})"
            if f["fix"]:
                text += f". Fix: {f['fix']['text']}"
            result: dict[str, Any] = {
                "ruleId": f["rule_id"],
                "level": LEVELS[f["severity"]],
                "message": {"text": text},
                "locations": [
                    {
                        **location,
                        "logicalLocations": [{"fullyQualifiedName": s} for s in f["subjects"][:10]],
                    }
                ],
                "partialFingerprints": {
                    "closurescope/v1": _fingerprint(f["rule_id"], *f["subjects"])
                },
                "properties": {"saving": f["saving"]},
            }
            if f["rule_id"] in index:
                result["ruleIndex"] = index[f["rule_id"]]
            results.append(result)
        for r in doc["rules"]:
            if r["status"] == "fail" and r["rule_id"] not in with_findings:
                result = {
                    "ruleId": r["rule_id"],
                    "level": LEVELS[r["severity"]],
                    "message": {"text": r["message"] or f"{r['rule_id']} failed"},
                    "locations": [location],
                    "partialFingerprints": {"closurescope/v1": _fingerprint(r["rule_id"], uri)},
                }
                if r["rule_id"] in index:
                    result["ruleIndex"] = index[r["rule_id"]]
                results.append(result)
        sarif = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "closurescope",
                            "version": doc["tool"]["version"],
                            "informationUri": INFORMATION_URI,
                            "rules": rules,
                        }
                    },
                    "results": results,
                }
            ],
        }
        return json.dumps(sarif, indent=2, sort_keys=True) + "\n"


REPORTER = SarifReporter()
