"""The stylesheet ships in the wheel (Textual loads it through CSS_PATH at run time)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

OFFLINE_HINTS = ("Could not find a version", "connection", "Network is unreachable", "resolve")


def test_wheel_contains_the_tcss_and_every_tui_module(tmp_path: Path) -> None:
    """Build the wheel with pip and list it: closurescope.tcss and all tui modules are in."""
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 and any(h in proc.stderr for h in OFFLINE_HINTS):
        pytest.skip("cannot fetch the build backend (offline)")
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("closurescope-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "closurescope/tui/closurescope.tcss" in names
    sources = ROOT / "closurescope" / "tui"
    expected = {
        "closurescope/tui/" + p.relative_to(sources).as_posix() for p in sources.rglob("*.py")
    }
    assert expected <= names
    from closurescope.tui.app import ClosurescopeApp

    assert ClosurescopeApp.CSS_PATH == "closurescope.tcss"
