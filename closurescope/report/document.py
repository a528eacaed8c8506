"""ReportDocument: the one versioned, JSON-ready shape every reporter renders.

Serialisation happens here and only here, so internal renames never break the JSON schema
(``docs/reference/report.schema.json``). Everything is sorted; there is no timestamp unless the
caller asks for one.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any

from closurescope._version import __version__
from closurescope.analysis.result import AnalysisResult
from closurescope.model import Closure, Finding, RuleResult, Severity, Status

SCHEMA_VERSION = 1
"""Bumped on any incompatible change of the JSON report."""

Document = dict[str, Any]


def jsonable(value: Any) -> Any:
    """Turn dataclasses, enums, mappings, sets and floats into plain JSON values.

    NaN and infinities become None (JSON has no NaN); sets become sorted lists.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def finding_doc(finding: Finding) -> dict[str, Any]:
    """One finding as JSON."""
    fix = None
    if finding.fix is not None:
        fix = {
            "text": finding.fix.text,
            "snippet": finding.fix.snippet,
            "snippet_lang": finding.fix.snippet_lang,
        }
    return {
        "rule_id": finding.rule_id,
        "severity": finding.severity.name.lower(),
        "title": finding.title,
        "subjects": list(finding.subjects),
        "saving": finding.saving,
        "evidence": list(finding.evidence),
        "fix": fix,
    }


def rule_result_doc(result: RuleResult) -> dict[str, Any]:
    """One rule verdict as JSON."""
    return {
        "rule_id": result.rule_id,
        "status": result.status.value,
        "severity": result.severity.name.lower(),
        "message": result.message,
        "value": result.value,
        "threshold": result.threshold,
    }


def passed(results: tuple[RuleResult, ...], fail_on: Severity) -> bool:
    """True unless a rule failed at or above ``fail_on``."""
    return not any(r.status is Status.FAIL and r.severity >= fail_on for r in results)


def build_document(
    closure: Closure,
    result: AnalysisResult,
    *,
    fail_on: Severity = Severity.ERROR,
    timestamp: str | None = None,
) -> Document:
    """The report of one input: source, summary, components, findings, rules, metrics."""
    graph = closure.graph
    components = []
    for node in graph:
        comp = graph.component(node)
        sizes = result.sizes.get(node)
        components.append(
            {
                "id": node,
                "kind": comp.kind.value,
                "name": comp.name,
                "version": comp.version or None,
                "self_size": comp.self_size,
                "closure_size": sizes.closure_size if sizes else None,
                "added_size": sizes.added_size if sizes else None,
                "closure_count": sizes.closure_count if sizes else None,
                "file_count": comp.file_count,
                "references": list(graph.references(node)),
                "is_root": node in graph.roots,
            }
        )
    from closurescope.analysis.detectors import rules as rule_catalog

    catalog = [
        {
            "id": rule.id,
            "name": rule.name,
            "summary": rule.summary,
            "help": rule.help,
            "severity": rule.severity.name.lower(),
        }
        for rule in rule_catalog().values()
    ]
    findings = [finding_doc(f) for f in result.findings]
    rules = [rule_result_doc(r) for r in result.rule_results]
    tally = {s.value: sum(1 for r in result.rule_results if r.status is s) for s in Status}
    files = closure.files
    summary = {
        "components": len(graph),
        "references": graph.edge_count(),
        "roots": list(graph.roots),
        "total_size": result.total_size,
        "files": len(files) if files is not None else None,
        "file_bytes": files.total_size() if files is not None else None,
        "layers": len(closure.layers),
        "findings": len(findings),
        "total_saving": jsonable(result.metrics.get("total_saving")),
        "rules": tally,
        "fail_on": fail_on.name.lower(),
        "passed": passed(result.rule_results, fail_on),
    }
    doc: Document = {
        "schema": "closurescope-report",
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "closurescope", "version": __version__},
        "source": {
            "path": closure.source.path,
            "format": closure.source.format,
            "description": closure.source.description,
        },
        "summary": summary,
        "components": components,
        "findings": findings,
        "rules": rules,
        "catalog": catalog,
        "layers": [
            {
                "index": layer.index,
                "digest": layer.digest,
                "diff_id": layer.diff_id,
                "created_by": layer.created_by,
                "compression": layer.compression,
                "compressed_size": layer.compressed_size,
                "content_size": layer.content_size,
                "added": len(layer.added),
                "modified": len(layer.modified),
                "removed": len(layer.removed),
            }
            for layer in closure.layers
        ],
        "metrics": jsonable({k: v for k, v in result.metrics.items() if k != "total_saving"}),
        "diagnostics": list(closure.diagnostics),
    }
    if timestamp is not None:
        doc["timestamp"] = timestamp
    return doc


def apply_extra_verdicts(
    doc: Document, verdicts: tuple[RuleResult, ...], fail_on: Severity
) -> Document:
    """A copy of ``doc`` with more rule verdicts (e.g. baseline rules) and a new tally."""
    rules = {r["rule_id"]: r for r in doc["rules"]}
    for verdict in verdicts:
        rules[verdict.rule_id] = rule_result_doc(verdict)
    merged = [rules[k] for k in sorted(rules)]
    tally = {s.value: sum(1 for r in merged if r["status"] == s.value) for s in Status}
    failed = any(
        r["status"] == "fail" and Severity[r["severity"].upper()] >= fail_on for r in merged
    )
    summary = {**doc["summary"], "rules": tally, "passed": not failed}
    return {**doc, "rules": merged, "summary": summary}
