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


def commands() -> list[Command]:
    """Every subcommand, in help order (imports stay light: heavy modules load in run())."""
    from closurescope.cli.diff import DiffCommand
    from closurescope.cli.etc import EtcCommand
    from closurescope.cli.explore import ExploreCommand
    from closurescope.cli.formats import FormatsCommand
    from closurescope.cli.graph import GraphCommand
    from closurescope.cli.report import ReportCommand
    from closurescope.cli.why import WhyCommand

    return [
        ReportCommand(),
        ExploreCommand(),
        WhyCommand(),
        DiffCommand(),
        GraphCommand(),
        EtcCommand(),
        FormatsCommand(),
    ]


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() keeps control of exit codes."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageExit(f"{self.prog}: {message}")


class _UsageExit(Exception):
    pass


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser with one subparser per command."""
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
    for command in commands():
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
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
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


def entry() -> None:
    """Console-script entry point."""
    sys.exit(main())
