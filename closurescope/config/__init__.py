"""Configuration: typed Settings, read from ``.closurescope.toml``, ``[tool.closurescope]`` in
``pyproject.toml`` and dive's ``.dive-ci``, plus command-line overrides."""

from __future__ import annotations

from closurescope.config.settings import Budgets, Settings

__all__ = ["Budgets", "Settings"]
