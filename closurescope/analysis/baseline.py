"""Rules that compare a report with a baseline (an earlier report, or the old input).

They are evaluated only when a baseline is given (``report --baseline``); the comparison
itself (grouping by package, new and fixed findings) lives in ``report.diff``.
"""

from __future__ import annotations

from closurescope.config import Settings
from closurescope.model import Rule, RuleResult, Severity, Status
from closurescope.units import format_delta, format_size

GROWTH = Rule(
    id="CS110",
    name="growth-over-budget",
    summary="The closure or image grew more than the growth budget allows since the baseline.",
    help=(
        "Compares the total size with the baseline's. Set budgets.growth to bytes "
        '(growth = "10MB") or to a ratio (growth = "5%"). Fix: find what grew with '
        "'closurescope diff OLD NEW' and remove or replace it, or raise the budget on purpose."
    ),
    severity=Severity.ERROR,
    budget="growth",
)
NEW_FINDING = Rule(
    id="CS111",
    name="new-finding",
    summary="A bloat finding that the baseline did not have.",
    help=(
        "A finding (same rule, same subjects) absent from the baseline report appeared. Fix the "
        "new finding, or disable its rule in .closurescope.toml if it is intended."
    ),
    severity=Severity.ERROR,
)
RULES = (GROWTH, NEW_FINDING)


def evaluate_baseline(
    old_total: int | None, new_total: int | None, new_findings: int, settings: Settings
) -> tuple[RuleResult, ...]:
    """Verdicts of CS110 and CS111 for one comparison."""
    out: list[RuleResult] = []
    budgets = settings.budgets
    sev = settings.severity(GROWTH.id, GROWTH.severity)
    if not settings.enabled(GROWTH.id):
        out.append(
            RuleResult(rule_id=GROWTH.id, status=Status.SKIP, severity=sev, message="disabled")
        )
    elif budgets.growth is None and budgets.growth_ratio is None:
        out.append(
            RuleResult(rule_id=GROWTH.id, status=Status.SKIP, severity=sev, message="no budget set")
        )
    elif old_total is None or new_total is None:
        out.append(
            RuleResult(rule_id=GROWTH.id, status=Status.SKIP, severity=sev, message="sizes unknown")
        )
    else:
        delta = new_total - old_total
        limit = budgets.growth
        if budgets.growth_ratio is not None:
            ratio_limit = int(old_total * budgets.growth_ratio)
            limit = ratio_limit if limit is None else min(limit, ratio_limit)
        assert limit is not None
        status = Status.FAIL if delta > limit else Status.PASS
        out.append(
            RuleResult(
                rule_id=GROWTH.id,
                status=status,
                severity=sev,
                message=f"grew {format_delta(delta)} (budget {format_size(limit)})",
                value=str(delta),
                threshold=str(limit),
            )
        )
    sev = settings.severity(NEW_FINDING.id, NEW_FINDING.severity)
    if not settings.enabled(NEW_FINDING.id):
        status, message = Status.SKIP, "disabled"
    elif new_findings:
        status, message = Status.FAIL, f"{new_findings} new finding(s) since the baseline"
    else:
        status, message = Status.PASS, ""
    out.append(RuleResult(rule_id=NEW_FINDING.id, status=status, severity=sev, message=message))
    return tuple(out)
