"""The ordered tuple of built-in detectors. Each detector module defines ``DETECTOR``."""

from __future__ import annotations

from closurescope.analysis.detectors import layer_rules
from closurescope.analysis.detectors.base import Detector

DETECTORS: tuple[Detector, ...] = (layer_rules.DETECTOR,)
