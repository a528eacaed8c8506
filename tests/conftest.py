"""Shared fixtures: where the samples and the shared corpus are."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample-closures"
CORPUS = ROOT.parent / "shared" / "corpus"


@pytest.fixture
def samples() -> Path:
    """The repo's ``sample-closures/`` folder."""
    return SAMPLES


@pytest.fixture
def corpus() -> Path:
    """``../shared/corpus`` (real inputs made by other tools); skips when absent."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


def have(tool: str) -> bool:
    """True when an external program is on PATH."""
    return shutil.which(tool) is not None


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--update-golden``: rewrite golden files under tests/golden/ instead of comparing."""
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files in tests/golden/"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to rewrite golden files."""
    return bool(request.config.getoption("--update-golden"))
