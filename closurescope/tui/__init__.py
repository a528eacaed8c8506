"""The interactive TUI (``closurescope explore``): built from finished data, never loads.

``make_app(closure, result)`` returns the Textual App (tests drive it with the pilot);
``run(closure, result)`` runs it. Textual is imported only inside these functions, so
``import closurescope.tui`` (and ``closurescope --help``) stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from closurescope.analysis.result import AnalysisResult
    from closurescope.model import Closure
    from closurescope.tui.app import ClosurescopeApp


def make_app(closure: Closure, result: AnalysisResult) -> ClosurescopeApp:
    """The App over ``closure`` and its analysis ``result`` (not yet running)."""
    from closurescope.tui.app import ClosurescopeApp

    return ClosurescopeApp(closure, result)


def run(closure: Closure, result: AnalysisResult) -> None:
    """Run the App in the terminal until the user quits."""
    make_app(closure, result).run()


__all__ = ["make_app", "run"]
