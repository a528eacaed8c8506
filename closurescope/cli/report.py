"""``closurescope report``."""

from __future__ import annotations

import argparse
import os
import sys

from closurescope.cli._common import (
    add_config_arguments,
    add_input_arguments,
    color_enabled,
    load_document,
    read_report,
    settings_from_args,
    write_output,
)
from closurescope.errors import UsageError


class ReportCommand:
    """Report what is in INPUT, what is big, what is wasted, and what to do about it.

    Formats: table (default on a terminal), markdown (a PR comment), json (default otherwise;
    versioned schema), sarif (GitHub code scanning), junit (GitLab/Jenkins), github (workflow
    annotations; also appends a markdown summary to $GITHUB_STEP_SUMMARY when set).

    Budgets and rules come from .closurescope.toml (or [tool.closurescope] in pyproject.toml)
    and dive's .dive-ci. With --baseline (a JSON report of an earlier run, or any input) the
    growth budget and new findings are gated too.

    Exit codes: 0 passed, 1 a budget or rule failed (at or above --fail-on), 2 usage, config
    or input error. --exit-zero reports without failing.
    """

    name = "report"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input, format, output, gating options."""
        add_input_arguments(parser)
        parser.add_argument(
            "--format",
            "-f",
            metavar="FORMAT",
            help="table, markdown, json, sarif, junit or github "
            "(default: table on a terminal, else json)",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument(
            "--top", type=int, default=15, metavar="N", help="rows of heaviest components (15)"
        )
        add_config_arguments(parser)
        parser.add_argument(
            "--baseline",
            metavar="REPORT|INPUT",
            help="compare with an earlier JSON report (or any input) and gate on growth",
        )
        parser.add_argument(
            "--exit-zero", action="store_true", help="always exit 0 when the report was made"
        )
        parser.add_argument(
            "--timestamp", action="store_true", help="add the UTC time to machine formats"
        )

    def run(self, args: argparse.Namespace) -> int:
        """Load, analyse, gate, render; exit 1 when a rule failed."""
        from closurescope.analysis.baseline import evaluate_baseline
        from closurescope.report import RenderOptions, reporters
        from closurescope.report.diff import diff_documents
        from closurescope.report.document import apply_extra_verdicts

        available = reporters()
        fmt = args.format or ("table" if sys.stdout.isatty() and not args.output else "json")
        if fmt not in available:
            raise UsageError(f"unknown format {fmt!r} (one of: {', '.join(available)})")
        if args.top < 1:
            raise UsageError("--top must be at least 1")
        if read_report(args.input) is not None:
            raise UsageError(f"{args.input} is already a report; use 'closurescope diff' on it")
        settings = settings_from_args(args)
        doc, _closure = load_document(args.input, args, settings)
        if args.baseline:
            old, _ = load_document(args.baseline, args, settings)
            comparison = diff_documents(old, doc)
            verdicts = evaluate_baseline(
                old["summary"]["total_size"],
                doc["summary"]["total_size"],
                len(comparison["findings"]["new"]),
                settings,
            )
            doc = apply_extra_verdicts(doc, verdicts, settings.fail_on)
            doc["baseline"] = comparison
        if args.timestamp:
            import datetime

            doc["timestamp"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        options = RenderOptions(top=args.top, color=color_enabled(sys.stdout))
        write_output(available[fmt].render(doc, options), args.output)
        summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
        if fmt == "github" and summary_path:
            with open(summary_path, "a", encoding="utf-8") as fh:
                fh.write(available["markdown"].render(doc, options))
        if args.exit_zero:
            return 0
        return 0 if doc["summary"]["passed"] else 1
