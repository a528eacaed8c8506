"""``closurescope report``."""

from __future__ import annotations

import argparse
import sys

from closurescope.cli._common import (
    add_input_arguments,
    analyze_closure,
    color_enabled,
    load_input,
    write_output,
)
from closurescope.errors import UsageError


class ReportCommand:
    """Report what is in INPUT, what is big, what is wasted, and what to do about it.

    The default format is a table on a terminal and JSON when stdout is not a terminal;
    --format markdown gives a pull-request comment. Exit codes: 0 passed, 1 a budget or rule
    failed, 2 usage or input error.
    """

    name = "report"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input, format, output and row-count options."""
        add_input_arguments(parser)
        parser.add_argument(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table, markdown or json (default: table on a terminal, else json)",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument(
            "--top", type=int, default=15, metavar="N", help="rows of heaviest components (15)"
        )

    def run(self, args: argparse.Namespace) -> int:
        """Load, analyse, render; exit 1 when a rule failed."""
        from closurescope.report import RenderOptions, reporters
        from closurescope.report.document import build_document

        available = reporters()
        fmt = args.format or ("table" if sys.stdout.isatty() and not args.output else "json")
        if fmt not in available:
            raise UsageError(f"unknown format {fmt!r} (one of: {', '.join(available)})")
        if args.top < 1:
            raise UsageError("--top must be at least 1")
        closure = load_input(args.input, args)
        result = analyze_closure(closure, args)
        doc = build_document(closure, result)
        text = available[fmt].render(
            doc, RenderOptions(top=args.top, color=color_enabled(sys.stdout))
        )
        write_output(text, args.output)
        return 0 if doc["summary"]["passed"] else 1
