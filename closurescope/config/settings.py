"""Settings: budgets, rule switches and thresholds (from ``.closurescope.toml`` and flags).

This module holds the typed settings; ``config.files`` reads them from TOML files and
``config.dive`` from dive's ``.dive-ci``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from closurescope.model import Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Budgets:
    """Limits a report gates on; None means no limit."""

    closure_size: int | None = None
    image_size: int | None = None
    layer_size: int | None = None
    component_size: int | None = None
    min_efficiency: float | None = None
    wasted_bytes: int | None = None
    user_wasted_percent: float | None = None
    duplicate_bytes: int | None = None
    growth: int | None = None
    growth_ratio: float | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Everything analyses and reports may be told by the user."""

    budgets: Budgets = field(default_factory=Budgets)
    disabled_rules: frozenset[str] = frozenset()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    """Per-rule severity overrides."""
    forbidden: tuple[str, ...] = ()
    """Globs of component names that must not be in the closure (``gcc-*``, ``perl``)."""
    ignore_paths: tuple[str, ...] = ()
    """Globs of in-image paths left out of file-level analyses (dive #347)."""
    why_limit: int = 1000
    """Cap on why-depends chains enumerated."""
    apps: tuple[str, ...] = ()
    """In-image program paths whose needs drive the /etc analysis (``--app``)."""
    needs: frozenset[str] = frozenset()
    """Stated needs (tls, dns, users, locale, tz) for the /etc analysis (``--need``)."""
    fail_on: Severity = Severity.ERROR
    """A failed rule or a finding at or above this severity makes the report fail (exit 1)."""
    sources: tuple[str, ...] = ()
    """The files these settings were read from (for the report header)."""

    def enabled(self, rule_id: str) -> bool:
        """False when the user disabled the rule."""
        return rule_id not in self.disabled_rules

    def severity(self, rule_id: str, default: Severity) -> Severity:
        """The severity to use for a rule."""
        return self.severities.get(rule_id, default)
