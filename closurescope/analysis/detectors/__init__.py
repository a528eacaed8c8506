"""The detector registry and the rule catalog (every Rule, by id)."""

from __future__ import annotations

from closurescope.analysis.detectors.base import Detector
from closurescope.model import Rule


def detectors() -> tuple[Detector, ...]:
    """Every built-in detector, in a fixed order."""
    from closurescope.analysis.detectors import registry

    return registry.DETECTORS


def rules() -> dict[str, Rule]:
    """The rule catalog by id (ids are unique: a test checks)."""
    from closurescope.analysis.baseline import RULES as BASELINE_RULES

    catalog: dict[str, Rule] = {rule.id: rule for rule in BASELINE_RULES}
    for detector in detectors():
        for rule in detector.rules:
            catalog[rule.id] = rule
    return dict(sorted(catalog.items()))


__all__ = ["Detector", "detectors", "rules"]
