"""What analysis returns: sizes, findings, rule results and metrics, bundled and frozen."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from closurescope.model import Finding, NodeId, RuleResult


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeSizes:
    """Sizes of one component, with Nix's and nix-tree's meanings; None when unknown.

    ``self_size``: the component alone (NAR size). ``closure_size``: itself plus everything it
    references, directly or not (``nix path-info -S``). ``added_size``: what would vanish from
    the whole closure if this component alone were removed (nix-tree's meaning: what it
    dominates under a virtual root above all roots).
    """

    self_size: int | None
    closure_size: int | None
    added_size: int | None
    closure_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalysisResult:
    """Everything analyses computed for one Closure; reports and the TUI render it."""

    sizes: Mapping[NodeId, NodeSizes]
    total_size: int | None
    """Sum of self sizes over the whole closure (None if any is unknown)."""
    findings: tuple[Finding, ...] = ()
    rule_results: tuple[RuleResult, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    """Named analyses' extra results (``layers`` → LayerMetrics …), JSON-ready where possible."""
