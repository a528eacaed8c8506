"""Reporters: pure functions from a ReportDocument to text, one module per format."""

from __future__ import annotations

from closurescope.report.base import RenderOptions, Reporter


def reporters() -> dict[str, Reporter]:
    """Every built-in reporter by ``--format`` name."""
    from closurescope.report import registry

    return {r.name: r for r in registry.REPORTERS}


__all__ = ["RenderOptions", "Reporter", "reporters"]
