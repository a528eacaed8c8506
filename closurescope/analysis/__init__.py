"""Pure analyses over a Closure: sizes, why-depends, detectors. Nothing here prints.

``analyze``, ``AnalysisResult`` and ``NodeSizes`` are imported on first use, so a command that
needs one analysis (``closurescope dupes``) does not load the model of all the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from closurescope._lazy import lazy_names

if TYPE_CHECKING:
    from closurescope.analysis.result import AnalysisResult, NodeSizes
    from closurescope.analysis.run import analyze

__getattr__ = lazy_names(
    __name__, {"AnalysisResult": "result", "NodeSizes": "result", "analyze": "run"}
)


__all__ = ["AnalysisResult", "NodeSizes", "analyze"]
