"""Shared CLI plumbing: input options, loading with a progress bar, analysis, output files."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from closurescope.errors import UsageError

if TYPE_CHECKING:
    from closurescope.analysis.result import AnalysisResult
    from closurescope.config import Settings
    from closurescope.model import Closure


def add_input_arguments(parser: argparse.ArgumentParser, *, nargs: str | None = None) -> None:
    """INPUT and the options that steer loading (platform, image, roots)."""
    parser.add_argument(
        "input",
        nargs=nargs,
        metavar="INPUT",
        help="file, directory, '-' for stdin, or FORMAT:PATH (see 'closurescope formats')",
    )
    parser.add_argument(
        "--platform", metavar="OS/ARCH", help="pick one platform of a multi-platform image index"
    )
    parser.add_argument(
        "--image", metavar="TAG|N", help="pick one image of a multi-image docker archive"
    )
    parser.add_argument(
        "--root",
        action="append",
        default=[],
        metavar="STORE_PATH",
        help="root store path for a Nix store database input (repeatable)",
    )


def color_enabled(stream: TextIO) -> bool:
    """Colour only on a terminal and only when NO_COLOR is unset (https://no-color.org)."""
    return stream.isatty() and not os.environ.get("NO_COLOR")


class Progress:
    """A one-line progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.label = label
        self.enabled = self.stream.isatty()
        self._last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < 0.1 and (total is None or done < total):
            return
        self._last = now
        from closurescope.units import format_size

        if total:
            frac = min(done / total, 1.0)
            bar = "#" * int(frac * 30)
            text = f"\r{self.label} [{bar:<30}] {frac * 100:5.1f} % of {format_size(total)}"
        else:
            text = f"\r{self.label} {format_size(done)}"
        self.stream.write(text)
        self.stream.flush()

    def done(self) -> None:
        """Erase the bar."""
        if self.enabled:
            self.stream.write("\r\033[K")
            self.stream.flush()


def load_input(spec: str, args: argparse.Namespace) -> Closure:
    """Load one INPUT with the loading options in ``args`` (progress bar on a TTY)."""
    from closurescope.loaders import load
    from closurescope.loaders.base import LoadOptions

    progress = Progress(f"loading {spec}")
    options = LoadOptions(
        platform=getattr(args, "platform", None),
        image=getattr(args, "image", None),
        roots=tuple(getattr(args, "root", []) or ()),
        progress=progress,
    )
    try:
        return load(spec, options)
    finally:
        progress.done()


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings for this run (config files and flags; see closurescope.config)."""
    from closurescope.config import Settings

    return Settings()


def analyze_closure(closure: Closure, args: argparse.Namespace) -> AnalysisResult:
    """Run every analysis with the settings of this run."""
    from closurescope.analysis import analyze

    return analyze(closure, settings_from_args(args))


def write_output(data: str | bytes, path: str | None) -> None:
    """Write to ``path`` (``None`` or ``-``: stdout). Only the named file is written."""
    if path is None or path == "-":
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
        else:
            sys.stdout.write(data)
            sys.stdout.flush()
        return
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"{path}: directory {target.parent} does not exist")
    try:
        if isinstance(data, bytes):
            target.write_bytes(data)
        else:
            target.write_text(data, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write ({exc.strerror})") from None
