"""CS3xx: dive's three CI rules on layer metrics, and one finding per overwritten/deleted path.

- CS301 low efficiency: FAIL when ``budgets.min_efficiency`` > efficiency;
- CS302 wasted bytes: FAIL when wasted bytes > ``budgets.wasted_bytes``;
- CS303 user wasted percent: FAIL when the ratio > ``budgets.user_wasted_percent`` (NaN
  never fails, +inf always does).

Thresholds are inclusive as in dive (a value exactly at the budget passes). A rule gives a
result only for an image (layers present) with its budget set. CS304 reports every path
written in several layers or deleted in a later one, with the bytes a squash would save
(cum − min, see ``analysis.layers``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from closurescope.analysis.layers import LayerMetrics, layer_metrics
from closurescope.analysis.result import NodeSizes
from closurescope.config import Settings
from closurescope.model import (
    Closure,
    Finding,
    Fix,
    NodeId,
    Rule,
    RuleResult,
    Severity,
    Status,
)
from closurescope.units import format_size

CS301 = Rule(
    id="CS301",
    name="low-efficiency",
    summary="Image efficiency (dive's score) is below the budget",
    help=(
        "dive's efficiency: the sum over every path of its smallest version divided by the "
        "sum of all its versions across layers. Files rewritten or deleted in later layers "
        "lower it. Fails when budgets.min_efficiency is greater than the score."
    ),
    severity=Severity.ERROR,
    budget="min_efficiency",
    scope="image",
)
CS302 = Rule(
    id="CS302",
    name="wasted-bytes",
    summary="Bytes in paths written more than once across layers exceed the budget",
    help=(
        "dive's wasted bytes: the cumulative size of every path seen in two or more layers "
        "(all copies, the kept one included). Fails when it is greater than budgets.wasted_bytes."
    ),
    severity=Severity.ERROR,
    budget="wasted_bytes",
    scope="image",
)
CS303 = Rule(
    id="CS303",
    name="user-wasted-percent",
    summary="Wasted bytes relative to the bytes the layers above the base add exceed the budget",
    help=(
        "dive's user wasted percent: wasted bytes divided by the size of every layer but the "
        "first, as a ratio (0.1 = 10 %). Fails when greater than budgets.user_wasted_percent."
    ),
    severity=Severity.ERROR,
    budget="user_wasted_percent",
    scope="image",
)
CS304 = Rule(
    id="CS304",
    name="overwritten-or-deleted",
    summary="A file is written in several layers, or added and deleted in a later layer",
    help=(
        "Every layer keeps its own copy of a file: overwriting it later, or deleting it "
        "(a whiteout), does not remove the bytes from the image. Write each file once, in "
        "the layer where it stays, and delete temporary files in the same RUN step that "
        "creates them."
    ),
    severity=Severity.WARNING,
    scope="image",
)


def _verdict(
    rule: Rule, fail: bool, message: str, value: str, threshold: float | int, settings: Settings
) -> RuleResult:
    """One threshold rule's verdict (threshold shown as ``repr`` for ratios, ``str`` for bytes)."""
    return RuleResult(
        rule_id=rule.id,
        status=Status.FAIL if fail else Status.PASS,
        severity=settings.severity(rule.id, rule.severity),
        message=message,
        value=value,
        threshold=repr(threshold) if isinstance(threshold, float) else str(threshold),
    )


def _pct(x: float) -> str:
    return f"{x * 100:.2f} %" if math.isfinite(x) else str(x)


class LayerRules:
    """The CS3xx detector."""

    rules: Sequence[Rule] = (CS301, CS302, CS303, CS304)

    def run(
        self,
        closure: Closure,
        sizes: Mapping[NodeId, NodeSizes],
        settings: Settings,
        shared: Mapping[str, object] | None = None,
    ) -> tuple[Sequence[Finding], Sequence[RuleResult]]:
        del sizes
        if not closure.layers:
            return (), ()
        known = (shared or {}).get("layers")
        metrics = known if isinstance(known, LayerMetrics) else layer_metrics(closure.layers)
        return self.findings(metrics, settings), self.verdicts(metrics, settings)

    @staticmethod
    def verdicts(m: LayerMetrics, settings: Settings) -> list[RuleResult]:
        """PASS/FAIL for each rule whose budget is set (dive's inclusive thresholds)."""
        b = settings.budgets
        out: list[RuleResult] = []
        if b.min_efficiency is not None:
            fail = b.min_efficiency > m.efficiency
            message = (
                f"image efficiency is too low ({_pct(m.efficiency)} < {_pct(b.min_efficiency)})"
                if fail
                else f"efficiency {_pct(m.efficiency)}"
            )
            out.append(
                _verdict(CS301, fail, message, repr(m.efficiency), b.min_efficiency, settings)
            )
        if b.wasted_bytes is not None:
            fail = m.wasted_bytes > b.wasted_bytes
            message = (
                f"too many bytes wasted ({m.wasted_bytes} > {b.wasted_bytes})"
                if fail
                else f"{m.wasted_bytes} bytes wasted"
            )
            out.append(
                _verdict(CS302, fail, message, str(m.wasted_bytes), b.wasted_bytes, settings)
            )
        if b.user_wasted_percent is not None:
            x = m.user_wasted_percent
            fail = not math.isnan(x) and x > b.user_wasted_percent  # NaN never fails, as in dive
            message = (
                f"too many bytes wasted relative to the user bytes ({_pct(x)} > "
                f"{_pct(b.user_wasted_percent)})"
                if fail
                else f"user wasted {_pct(x)}"
            )
            out.append(_verdict(CS303, fail, message, repr(x), b.user_wasted_percent, settings))
        return out

    @staticmethod
    def findings(m: LayerMetrics, settings: Settings) -> list[Finding]:
        """One CS304 finding per inefficient path that a squash would make smaller."""
        severity = settings.severity(CS304.id, CS304.severity)
        out: list[Finding] = []
        for p in m.inefficient:
            if p.reclaimable <= 0:
                continue
            layers = ", ".join(str(i) for i in p.layers)
            if p.deleted:
                title = f"/{p.path} is deleted in a later layer but still ships its bytes"
                fix = (
                    f"Create and delete /{p.path} in the same RUN step (or use a multi-stage "
                    "build and copy only what is kept), so no layer stores it."
                )
                snippet = f"RUN fetch-or-build ... && rm -rf /{p.path}"
            else:
                title = f"/{p.path} is written in {p.count} layers"
                fix = (
                    f"Write /{p.path} once, in the layer where it stays: combine the RUN "
                    "steps that change it, or set permissions/ownership when copying "
                    "(COPY --chmod/--chown) instead of in a later RUN."
                )
                snippet = f"COPY --chmod=0755 --chown=0:0 ... /{p.path}"
            out.append(
                Finding(
                    rule_id=CS304.id,
                    severity=severity,
                    title=title,
                    subjects=(p.path,),
                    saving=p.reclaimable,
                    evidence=(
                        f"seen {p.count} times (layers {layers}); {format_size(p.cumulative_size)}"
                        f" in all, smallest copy {format_size(p.min_size)}",
                    ),
                    fix=Fix(text=fix, snippet=snippet, snippet_lang="dockerfile"),
                    # the bytes are copies in lower layers, never in the merged tree, so they
                    # overlap no other finding: no reclaims, the saving is added as it is
                    reclaims=frozenset(),
                )
            )
        return out


DETECTOR = LayerRules()
