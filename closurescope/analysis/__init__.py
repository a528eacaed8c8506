"""Pure analyses over a Closure: sizes, why-depends, detectors. Nothing here prints."""

from __future__ import annotations

from closurescope.analysis.result import AnalysisResult, NodeSizes
from closurescope.config import Settings
from closurescope.model import Closure, Finding, RuleResult, Status


def analyze(closure: Closure, settings: Settings | None = None) -> AnalysisResult:
    """Run every analysis on ``closure``; the result is deterministic (sorted findings)."""
    from closurescope.analysis.detectors import detectors
    from closurescope.analysis.sizes import compute_sizes, total_size

    cfg = settings or Settings()
    sizes = compute_sizes(closure.graph)
    findings: list[Finding] = []
    results: list[RuleResult] = []
    metrics: dict[str, object] = {}
    for detector in detectors():
        active = [r for r in detector.rules if cfg.enabled(r.id)]
        results.extend(
            RuleResult(rule_id=r.id, status=Status.SKIP, severity=r.severity, message="disabled")
            for r in detector.rules
            if not cfg.enabled(r.id)
        )
        if not active:
            continue
        found, verdicts = detector.run(closure, sizes, cfg)
        findings.extend(f for f in found if cfg.enabled(f.rule_id))
        results.extend(v for v in verdicts if cfg.enabled(v.rule_id))
    return AnalysisResult(
        sizes=sizes,
        total_size=total_size(closure.graph),
        findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
        rule_results=tuple(sorted(results, key=lambda r: r.rule_id)),
        metrics=metrics,
    )


__all__ = ["AnalysisResult", "NodeSizes", "analyze"]
