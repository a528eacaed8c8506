"""`closurescope --help` stays light: no textual, no networkx (harlequin's guard)."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    import json

    return set(json.loads(out.strip().splitlines()[-1]))


def test_help_imports_neither_textual_nor_networkx() -> None:
    mods = _modules_after(
        "from closurescope.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    assert "textual" not in mods
    assert "networkx" not in mods


def test_model_does_not_import_textual() -> None:
    mods = _modules_after("import closurescope, closurescope.model, closurescope.cli")
    assert "textual" not in mods
