"""The ordered tuple of built-in detectors. Each detector module defines ``DETECTOR``."""

from __future__ import annotations

from closurescope.analysis.detectors import (
    config_lint,
    duplicates,
    etc_rules,
    graph_rules,
    layer_rules,
    symlinks,
)
from closurescope.analysis.detectors.base import Detector

DETECTORS: tuple[Detector, ...] = (
    graph_rules.DETECTOR,
    layer_rules.DETECTOR,
    config_lint.DETECTOR,
    etc_rules.DETECTOR,
    symlinks.DETECTOR,
    duplicates.DETECTOR,
)
