"""Pure analyses over a Closure: sizes, why-depends, detectors. Nothing here prints.

``analyze``, ``AnalysisResult`` and ``NodeSizes`` are imported on first use, so a command that
needs one analysis (``closurescope dupes``) does not load the model of all the others.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from closurescope.analysis.result import AnalysisResult, NodeSizes
    from closurescope.analysis.run import analyze

_LAZY = {
    "AnalysisResult": "closurescope.analysis.result",
    "NodeSizes": "closurescope.analysis.result",
    "analyze": "closurescope.analysis.run",
}


def __getattr__(name: str) -> object:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(module), name)


__all__ = ["AnalysisResult", "NodeSizes", "analyze"]
