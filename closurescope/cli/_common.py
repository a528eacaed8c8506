"""Shared CLI plumbing: input options, loading with a progress bar, analysis, output files."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

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


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """--config, --dive-ci and --fail-on."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: .closurescope.toml or [tool.closurescope] in pyproject.toml, "
        "found upwards from the working directory)",
    )
    parser.add_argument(
        "--dive-ci",
        metavar="FILE",
        help="dive's CI rules file (default: .dive-ci in the working directory, if present)",
    )
    parser.add_argument(
        "--fail-on",
        choices=["info", "warning", "error"],
        help="fail (exit 1) on failed rules at or above this severity (default: error)",
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """Settings for this run: dive's .dive-ci, then our config file, then flags."""
    import dataclasses

    from closurescope.config import Settings
    from closurescope.config.dive import DIVE_CI_NAME, apply_dive_ci
    from closurescope.config.files import find_config, read_config, settings_from_mapping
    from closurescope.errors import ConfigError
    from closurescope.model import Severity

    settings = Settings()
    cwd = Path.cwd()
    dive_ci = getattr(args, "dive_ci", None)
    if dive_ci is not None:
        if not Path(dive_ci).is_file():
            raise ConfigError(f"{dive_ci}: no such file")
        settings = apply_dive_ci(Path(dive_ci), settings)
    elif (cwd / DIVE_CI_NAME).is_file():
        settings = apply_dive_ci(cwd / DIVE_CI_NAME, settings)
    explicit = getattr(args, "config", None)
    path = Path(explicit) if explicit else find_config(cwd)
    if explicit and not path.is_file():  # type: ignore[union-attr]
        raise ConfigError(f"{explicit}: no such config file")
    if path is not None:
        settings = settings_from_mapping(read_config(path), origin=str(path), base=settings)
    fail_on = getattr(args, "fail_on", None)
    if fail_on:
        settings = dataclasses.replace(settings, fail_on=Severity.parse(fail_on))
    return settings


def analyze_closure(
    closure: Closure, args: argparse.Namespace, settings: Settings | None = None
) -> AnalysisResult:
    """Run every analysis with the settings of this run."""
    from closurescope.analysis import analyze

    return analyze(closure, settings or settings_from_args(args))


def read_report(spec: str) -> dict[str, Any] | None:
    """A closurescope JSON report (as written by ``report --format json``), else None."""
    import json

    if spec == "-" or ":" in spec.split("/", 1)[0]:
        return None
    path = Path(spec)
    if not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            if not fh.read(64).lstrip().startswith(b"{"):
                return None
            fh.seek(0)
            raw = fh.read()
        # reports are written with sorted keys, so the marker is not at the start: search it
        if b'"schema": "closurescope-report"' not in raw:
            return None
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if isinstance(data, dict) and data.get("schema") == "closurescope-report":
        return data
    return None


def load_document(
    spec: str, args: argparse.Namespace, settings: Settings
) -> tuple[dict[str, Any], Closure | None]:
    """A report document for ``spec``: read as-is from a JSON report, or loaded and analysed."""
    from closurescope.report.document import build_document

    doc = read_report(spec)
    if doc is not None:
        return doc, None
    closure = load_input(spec, args)
    result = analyze_closure(closure, args, settings)
    return build_document(closure, result, fail_on=settings.fail_on), closure


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
