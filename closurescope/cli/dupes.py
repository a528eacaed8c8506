"""``closurescope dupes``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from closurescope.cli._common import add_input_arguments, settings_from_args, write_output
from closurescope.errors import UsageError

if TYPE_CHECKING:
    from closurescope.model import FileTree, Finding, RuleResult

DUPLICATE_RULES = ("CS202", "CS203", "CS205", "CS204")


class DupesCommand:
    """Duplicate files and duplicate directory trees in INPUT, with the bytes each frees.

    Like jdupes and rmlint -D, for an image, a root filesystem directory or tar, or a store
    path: files with equal content (hardlinks are one file, empty files are ignored), whole
    directory trees stored twice or more (names, modes, contents and link targets equal,
    decided biggest first like rmlint -D), directories holding copies of themselves
    (posix/posix/posix from a dereferencing copy) and copies of directories that symlinks
    point to. The same findings as `closurescope report` (CS202-CS205), each byte counted
    once in the total. On a directory, only files that share their size with another file
    are read. Exit 1 when --budget is given and the total is over it.
    """

    name = "dupes"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input, budget, ignore globs, format and output."""
        add_input_arguments(parser)
        parser.add_argument(
            "--budget",
            metavar="SIZE",
            help="fail (exit 1) when the reclaimable total is over SIZE (e.g. 20MB, 5MiB)",
        )
        parser.add_argument(
            "--ignore",
            action="append",
            default=[],
            metavar="GLOB",
            help="leave out paths matching GLOB (repeatable; adds to ignore-paths of the config)",
        )
        parser.add_argument(
            "--limit",
            type=int,
            default=50,
            metavar="N",
            help="table: show the N findings that free the most (default 50; 0 for all)",
        )
        parser.add_argument(
            "--format",
            "-f",
            choices=["table", "json", "paths"],
            default="table",
            help="paths: one group per block, the kept path first, blocks separated by a "
            "blank line (as jdupes prints them)",
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument("--config", metavar="FILE", help="config file (.closurescope.toml)")

    def run(self, args: argparse.Namespace) -> int:
        """Exit 0, or 1 when over --budget; 2 when INPUT has no files."""
        from closurescope.analysis.detectors.duplicates import duplicates_of
        from closurescope.analysis.savings import total_saving
        from closurescope.model import Status
        from closurescope.units import parse_size

        settings = settings_from_args(args)
        budgets = settings.budgets
        if args.budget is not None:
            budgets = dataclasses.replace(budgets, duplicate_bytes=parse_size(args.budget))
        settings = dataclasses.replace(
            settings,
            budgets=budgets,
            ignore_paths=(*settings.ignore_paths, *args.ignore),
            disabled_rules=settings.disabled_rules - {"CS207"},
        )
        tree, where = _load_tree(args)
        findings, verdict = duplicates_of(tree, settings)
        shown = sorted(
            (f for f in findings if f.rule_id in DUPLICATE_RULES), key=lambda f: f.sort_key
        )
        total = total_saving(shown, tree, {})
        failed = verdict is not None and verdict.status is Status.FAIL
        if args.format == "json":
            text = render_json(where, tree, shown, total, verdict_text(verdict))
        elif args.format == "paths":
            text = "\n".join("\n".join(f.subjects) + "\n" for f in shown)
        else:
            text = render_table(where, tree, shown, total, args.limit, verdict_text(verdict))
        write_output(text, args.output)
        return 1 if failed else 0


def verdict_text(verdict: RuleResult | None) -> str | None:
    """The budget verdict's message, when a budget was set."""
    return verdict.message if verdict is not None else None


def _load_tree(args: argparse.Namespace) -> tuple[FileTree, str]:
    """The file tree of INPUT: a directory is walked directly (no other scanner runs)."""
    from closurescope.cli._common import Progress, load_input
    from closurescope.loaders.base import is_oci_layout

    spec: str = args.input
    path = spec.removeprefix("rootfs:")
    plain = spec.startswith("rootfs:") or not is_oci_layout(Path(path))
    if path != "-" and Path(path).is_dir() and plain:  # a root filesystem: walked directly
        from closurescope.loaders._walk import files_tree

        progress = Progress(f"reading {path}")
        try:
            tree, notes = files_tree(Path(path), path, progress if progress.enabled else None)
        finally:
            progress.done()
        for note in notes:  # what could not be listed, stat'ed or read: left out, not fatal
            print(f"closurescope: warning: {note}", file=sys.stderr)
        return tree, path
    closure = load_input(spec, args)
    if closure.files is None:
        raise UsageError(
            f"{args.input}: a {closure.source.format} input has no file tree; dupes reads an "
            "image, a root filesystem (directory or tar) or a store path given as a directory"
        )
    return closure.files, closure.source.path


def render_table(
    where: str, tree: FileTree, findings: list[Finding], total: int, limit: int, budget: str | None
) -> str:
    """Plain text: one block per finding, largest saving first."""
    from closurescope.model import FileKind
    from closurescope.units import format_size

    files = sum(1 for e in tree.entries.values() if e.kind is FileKind.FILE)
    lines = [
        f"{where}: {len(tree):,} entries, {files:,} files",
        f"reclaimable: {format_size(total)} ({total:,} bytes, each byte counted once) in "
        f"{len(findings):,} findings",
    ]
    if budget is not None:
        lines.append(f"budget: {budget}")
    shown = findings if limit <= 0 else findings[:limit]
    for f in shown:
        lines.append("")
        lines.append(f"{f.rule_id}  {format_size(f.saving):>10}  {f.title}")
        lines.extend(f"    /{p}" for p in f.subjects)
    if len(shown) < len(findings):
        lines.append("")
        lines.append(f"… {len(findings) - len(shown):,} more (--limit 0 shows all)")
    return "\n".join(lines) + "\n"


def render_json(
    where: str, tree: FileTree, findings: list[Finding], total: int, budget: str | None
) -> str:
    """Machine-readable: totals and every finding with its paths (kept path first)."""
    doc = {
        "input": where,
        "entries": len(tree),
        "reclaimable": total,
        "budget": budget,
        "findings": [
            {
                "rule": f.rule_id,
                "title": f.title,
                "saving": f.saving,
                "paths": list(f.subjects),
                "redundant": sorted(f.reclaims),
                "fix": f.fix.snippet if f.fix is not None else None,
            }
            for f in findings
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
