"""Smoke test: the real ``closurescope explore`` in a real terminal (tmux at 80x24).

Starts the command in a detached tmux session, sends keys, reads the screen with
``capture-pane`` and quits with ``q``, as a user would.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, SAMPLES, have

pytestmark = [
    pytest.mark.tui,
    pytest.mark.needs_tools,
    pytest.mark.skipif(not have("tmux"), reason="tmux is not installed"),
]

NIX_SAMPLE = SAMPLES / "nix" / "app-image-root-full.path-info-S.json"


class Terminal:
    """A detached tmux session running one command, on a private tmux server.

    The private socket (``tmux -L NAME``) keeps other tmux servers' options and clients (which
    can resize windows) away from the test.
    """

    def __init__(self, name: str) -> None:
        self.name = name

    def tmux(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a tmux command on this terminal's own server.

        COLUMNS and LINES are left out of the environment: Textual (like most programs)
        believes them over the terminal, and another test may have set them in this process.
        """
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        return subprocess.run(
            ["tmux", "-L", self.name, *args], check=check, capture_output=True, text=True, env=env
        )

    def screen(self) -> str:
        """The visible screen as text."""
        return self.tmux("capture-pane", "-p", "-t", self.name).stdout

    def send(self, *keys: str) -> None:
        """Send tmux key names (``Right``, ``q``, ``Escape`` …)."""
        self.tmux("send-keys", "-t", self.name, *keys)

    def alive(self) -> bool:
        """True while the session (the command) runs."""
        return self.tmux("has-session", "-t", self.name, check=False).returncode == 0

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``text`` shows up; fail with the last screen otherwise."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        pytest.fail(f"{text!r} never appeared; last screen:\n{screen}")


def start(args: list[str]) -> Iterator[Terminal]:
    """Run ``closurescope explore ARGS`` in an 80x24 tmux session; kill it afterwards."""
    name = f"closurescope-smoke-{uuid.uuid4().hex[:8]}"
    command = " ".join(
        shlex.quote(part) for part in [sys.executable, "-m", "closurescope", "explore", *args]
    )
    term = Terminal(name)
    term.tmux(
        "-f", "/dev/null", "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
        "-c", str(ROOT), f"env -u COLUMNS -u LINES TERM=xterm-256color {command}; sleep 30",
    )  # fmt: skip
    socket = term.tmux("display-message", "-p", "#{socket_path}", check=False).stdout.strip()
    try:
        # no status line: the app gets the whole 80x24
        term.tmux("set-option", "-t", name, "status", "off")
        yield term
    finally:
        term.tmux("kill-server", check=False)
        if socket:
            Path(socket).unlink(missing_ok=True)  # tmux leaves the socket file behind


@pytest.fixture
def nix_terminal() -> Iterator[Terminal]:
    """explore on the real nix path-info sample."""
    yield from start([str(NIX_SAMPLE)])


def test_explore_a_nix_closure_in_tmux(nix_terminal: Terminal) -> None:
    """Opens on the root, → shows its references, ? shows help, q quits the program."""
    term = nix_terminal
    # a frame can reach tmux in several writes: wait for each text rather than one capture
    for text in ("roots (1)", "app-image-root-full", "referrers (0)", "references (", "Browse"):
        term.wait_for(text)
    term.send("Right")
    # the middle column is now inside the root, its references listed
    term.wait_for("app-image-root-full (")
    term.wait_for("glibc")
    term.send("?")
    term.wait_for("Keys")
    term.wait_for("Why")
    term.send("Escape")
    # a key right after ESC would read as Alt+key: wait until the modal is gone
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "Keys (mouse" in term.screen():
        time.sleep(0.2)
    term.send("3")
    term.wait_for("findings")
    term.send("q")
    # the app is gone: the shell's sleep keeps the pane, the app's screen is cleared
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "Quit" in term.screen():
        time.sleep(0.2)
    assert "Quit" not in term.screen()


@pytest.fixture
def image_terminal() -> Iterator[Terminal]:
    """explore on dive's docker-archive fixture."""
    image = CORPUS / "dive" / "test-docker-image.tar"
    if not image.is_file():
        pytest.skip("dive corpus not present")
    yield from start([str(Path(image))])


def test_explore_an_image_files_view_in_tmux(image_terminal: Terminal) -> None:
    """2 opens the files view with the layer selector; g lists the largest files."""
    term = image_terminal
    term.wait_for("roots (")
    term.send("2")
    term.wait_for("all layers")
    term.wait_for("#0 ")
    term.send("g")
    term.wait_for("largest files")
    term.send("q")
