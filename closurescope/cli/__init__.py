"""The command line: ``closurescope <command>``; ``main(argv)`` returns the exit code.

Exit codes: 0 passed, 1 a budget or rule failed, 2 usage, config or input error. Only this
package turns errors into exit codes; nothing else calls ``sys.exit``.
"""

from __future__ import annotations

import argparse
import inspect
import sys
from collections.abc import Sequence
from typing import Protocol

from closurescope._version import __version__
from closurescope.errors import ClosurescopeError


class Command(Protocol):
    """One subcommand: its class docstring is its help text."""

    name: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Declare the command's options."""
        ...

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit code."""
        ...


COMMANDS = (
    ("report", "closurescope.cli.report", "ReportCommand"),
    ("explore", "closurescope.cli.explore", "ExploreCommand"),
    ("why", "closurescope.cli.why", "WhyCommand"),
    ("diff", "closurescope.cli.diff", "DiffCommand"),
    ("graph", "closurescope.cli.graph", "GraphCommand"),
    ("etc", "closurescope.cli.etc", "EtcCommand"),
    ("dupes", "closurescope.cli.dupes", "DupesCommand"),
    ("formats", "closurescope.cli.formats", "FormatsCommand"),
)
"""Every subcommand: name, module, class, in help order."""


def commands(only: str | None = None) -> list[Command]:
    """Every subcommand in help order, or just the one called ``only`` (imports stay light:
    heavy modules load in run())."""
    from importlib import import_module

    out: list[Command] = []
    for name, module, cls in COMMANDS:
        if only is None or name == only:
            out.append(getattr(import_module(module), cls)())
    return out


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() keeps control of exit codes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argparse parser with one subparser per command (or only the one named ``only``:
    the same parse for that command, without building the others)."""
    parser = _Parser(
        prog="closurescope",
        description=(
            "Why is my container image or Nix closure big, and how do I make it small? "
            "INPUT is a file, a directory, '-' for standard input, or FORMAT:PATH "
            "(see 'closurescope formats')."
        ),
    )
    parser.add_argument("--version", action="version", version=f"closurescope {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for command in commands(only):
        doc = inspect.cleandoc(type(command).__doc__ or "")
        first = doc.splitlines()[0] if doc else command.name
        p = sub.add_parser(
            command.name,
            help=first,
            description=doc,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(p)
        p.set_defaults(_command=command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the command; returns the exit code (never raises for user errors)."""
    argv = list(argv) if argv is not None else sys.argv[1:]
    first = argv[0] if argv else None
    parser = build_parser(first if any(first == name for name, _, _ in COMMANDS) else None)
    try:
        args = parser.parse_args(argv)
    except _UsageExit as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help / --version
        return int(exc.code or 0)
    command: Command | None = getattr(args, "_command", None)
    if command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return command.run(args)
    except ClosurescopeError as exc:
        print(f"closurescope: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("closurescope: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


GC_YOUNG_THRESHOLD = 50_000
"""Allocations between young garbage collections in the ``closurescope`` process (Python's
default is 700). A load builds its data once and keeps it: 15,000 file entries meant ~150
collections, about 7% of ``closurescope dupes`` on a copied Debian rootfs. Cycles are still
collected, just less often. Set by the console script only, not by ``main()``."""


def entry() -> None:
    """Console-script entry point."""
    import gc

    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
    sys.exit(main())
