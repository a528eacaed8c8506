"""``analyze``: every analysis and detector over one Closure, and the verdict per rule."""

from __future__ import annotations

import dataclasses

from closurescope.analysis.result import AnalysisResult
from closurescope.config import Settings
from closurescope.model import Closure, Finding, Rule, RuleResult, Status


def analyze(closure: Closure, settings: Settings | None = None) -> AnalysisResult:
    """Run every analysis on ``closure``; the result is deterministic (sorted findings)."""
    from closurescope.analysis.detectors import detectors
    from closurescope.analysis.sizes import compute_sizes, total_size

    cfg = settings or Settings()
    sizes = compute_sizes(closure.graph)
    findings: list[Finding] = []
    results: list[RuleResult] = []
    metrics: dict[str, object] = {}
    shared: dict[str, object] = {}  # computed once, read by the report and the detectors
    if closure.layers:
        from closurescope.analysis.layers import layer_metrics

        shared["layers"] = metrics["layers"] = layer_metrics(closure.layers)
    if closure.files is not None:
        from closurescope.analysis.merkle import index_tree

        shared["merkle"] = index_tree(closure.files)  # duplicate trees and symlink loops
    if closure.files is not None and closure.files.get("etc") is not None:
        from closurescope.analysis.etc import suggest_etc

        shared["etc"] = suggestion = suggest_etc(closure, sizes, cfg)
        metrics["etc"] = suggestion.to_json()
    for detector in detectors():
        active = [r for r in detector.rules if cfg.enabled(r.id)]
        results.extend(
            RuleResult(rule_id=r.id, status=Status.SKIP, severity=r.severity, message="disabled")
            for r in detector.rules
            if not cfg.enabled(r.id)
        )
        if not active:
            continue
        found, verdicts = detector.run(closure, sizes, cfg, shared)
        findings.extend(
            dataclasses.replace(f, severity=cfg.severity(f.rule_id, f.severity))
            for f in found
            if cfg.enabled(f.rule_id)
        )
        results.extend(v for v in verdicts if cfg.enabled(v.rule_id))
    from closurescope.analysis.savings import total_saving

    self_sizes = {str(k): v.self_size for k, v in sizes.items()}
    metrics["total_saving"] = total_saving(findings, closure.files, self_sizes)
    catalog = [r for d in detectors() for r in d.rules]
    return AnalysisResult(
        sizes=sizes,
        total_size=total_size(closure.graph),
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        rule_results=verdicts_per_rule(catalog, findings, results, cfg, closure),
        metrics=metrics,
    )


def _out_of_scope(rule: Rule, closure: Closure) -> str | None:
    if rule.scope == "image" and not closure.layers:
        return "not an image"
    if rule.scope == "files" and closure.files is None:
        return "no files in this input"
    if rule.scope == "config" and closure.config is None:
        return "no image config"
    return None


def _budget_unset(rule: Rule, cfg: Settings) -> bool:
    """True when the rule gates on a budget (or a list such as ``forbidden``) that is not set."""
    if rule.budget is None:
        return False
    if hasattr(cfg.budgets, rule.budget):
        return getattr(cfg.budgets, rule.budget) is None
    return not getattr(cfg, rule.budget, None)


def verdicts_per_rule(
    catalog: list[Rule],
    findings: list[Finding],
    results: list[RuleResult],
    cfg: Settings,
    closure: Closure,
) -> tuple[RuleResult, ...]:
    """Exactly one verdict per rule of the catalog, sorted by rule id.

    A detector's own verdict wins; otherwise a rule FAILs when it has findings (at the most
    severe of their severities), is SKIPped when disabled or when it gates on a budget that is
    not set, and PASSes otherwise. Severities honour the user's overrides.
    """
    explicit: dict[str, RuleResult] = {}
    for result in results:
        previous = explicit.get(result.rule_id)
        if previous is None or result.status is Status.FAIL:
            explicit[result.rule_id] = result
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)
    out: dict[str, RuleResult] = {}
    for rule in catalog:
        severity = cfg.severity(rule.id, rule.severity)
        if not cfg.enabled(rule.id):
            out[rule.id] = RuleResult(
                rule_id=rule.id, status=Status.SKIP, severity=severity, message="disabled"
            )
        elif rule.id in explicit:
            out[rule.id] = dataclasses.replace(explicit[rule.id], severity=severity)
        elif (reason := _out_of_scope(rule, closure)) is not None:
            out[rule.id] = RuleResult(
                rule_id=rule.id, status=Status.SKIP, severity=severity, message=reason
            )
        elif rule.id in by_rule:
            found = by_rule[rule.id]
            worst = max(cfg.severity(rule.id, f.severity) for f in found)
            out[rule.id] = RuleResult(
                rule_id=rule.id,
                status=Status.FAIL,
                severity=worst,
                message=f"{len(found)} finding{'s' if len(found) != 1 else ''}",
            )
        elif _budget_unset(rule, cfg):
            what = "budget" if hasattr(cfg.budgets, rule.budget or "") else f"{rule.budget} list"
            out[rule.id] = RuleResult(
                rule_id=rule.id, status=Status.SKIP, severity=severity, message=f"no {what} set"
            )
        else:
            out[rule.id] = RuleResult(rule_id=rule.id, status=Status.PASS, severity=severity)
    return tuple(out[k] for k in sorted(out))
