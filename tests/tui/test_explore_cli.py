"""``closurescope explore`` outside a terminal: a clear usage error, exit code 2."""

from __future__ import annotations

import pytest

from closurescope.cli import main
from tests.conftest import SAMPLES

SAMPLE = str(SAMPLES / "nix" / "app-image-root-full.path-info-S.json")


def test_explore_needs_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    """Under pytest stdin/stdout are not terminals: exit 2 and say what to use instead."""
    assert main(["explore", SAMPLE]) == 2
    err = capsys.readouterr().err
    assert "explore needs a terminal" in err
    assert "closurescope report" in err


def test_explore_cannot_read_input_from_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    """INPUT '-' is refused: the keys come from the terminal."""
    assert main(["explore", "-"]) == 2
    assert "save INPUT to a file" in capsys.readouterr().err


def test_explore_help_lists_the_views(capsys: pytest.CaptureFixture[str]) -> None:
    """The class docstring is the --help text."""
    assert main(["explore", "--help"]) == 0
    out = capsys.readouterr().out
    assert "closure browser, files, findings and /etc views" in out
    assert "--theme" in out
