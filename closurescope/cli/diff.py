"""``closurescope diff``."""

from __future__ import annotations

import argparse
import json

from closurescope.cli._common import (
    add_config_arguments,
    load_document,
    settings_from_args,
    write_output,
)


class DiffCommand:
    """Compare OLD and NEW: packages added, removed, upgraded and their size deltas.

    OLD and NEW are any inputs (images, closures, rootfs) or JSON reports of earlier runs.
    Packages are grouped by name as 'nix store diff-closures' groups them and sorted by
    |size delta|; images also list files added, removed and changed; findings new and fixed.
    """

    name = "diff"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Two inputs, format and output."""
        parser.add_argument("old", metavar="OLD", help="input or JSON report")
        parser.add_argument("new", metavar="NEW", help="input or JSON report")
        parser.add_argument(
            "--format", "-f", choices=["table", "markdown", "json"], default="table"
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument("--platform", metavar="OS/ARCH", help="platform of an image index")
        parser.add_argument("--image", metavar="TAG|N", help="image of a multi-image archive")
        parser.add_argument(
            "--root", action="append", default=[], metavar="STORE_PATH", help="db root"
        )
        add_config_arguments(parser)

    def run(self, args: argparse.Namespace) -> int:
        """Exit 0 (a diff is information; gate with 'report --baseline')."""
        from closurescope.report.diff import diff_documents, render_diff_markdown, render_diff_text

        settings = settings_from_args(args)
        old, old_closure = load_document(args.old, args, settings)
        new, new_closure = load_document(args.new, args, settings)
        doc = diff_documents(
            old,
            new,
            old_files=old_closure.files if old_closure else None,
            new_files=new_closure.files if new_closure else None,
        )
        if args.format == "json":
            text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        elif args.format == "markdown":
            text = render_diff_markdown(doc)
        else:
            text = render_diff_text(doc)
        write_output(text, args.output)
        return 0
