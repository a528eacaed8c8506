"""``import closurescope.tui`` stays light: Textual loads only when an app is made."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT


def loaded_after(code: str) -> set[str]:
    """Top-level module names imported by ``code`` in a fresh interpreter."""
    probe = code + "\nimport sys\nprint('\\n'.join(sorted({m.split('.')[0] for m in sys.modules})))"
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(out.stdout.split())


def test_importing_the_tui_package_does_not_import_textual() -> None:
    """The package's make_app/run import Textual inside the functions only."""
    mods = loaded_after("import closurescope.tui\nimport closurescope.cli.explore")
    assert "closurescope" in mods
    assert "textual" not in mods


def test_making_the_app_imports_textual() -> None:
    """The guard above can fail: building an app does pull Textual in."""
    code = (
        "from closurescope.tui import make_app\n"
        "from tests.tui.tui_data import small_graph_closure, small_result\n"
        "c = small_graph_closure()\n"
        "make_app(c, small_result(c))"
    )
    assert "textual" in loaded_after(code)
