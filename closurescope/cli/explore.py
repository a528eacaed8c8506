"""``closurescope explore``: the interactive TUI."""

from __future__ import annotations

import argparse
import sys

from closurescope.cli._common import add_input_arguments, analyze_closure, load_input
from closurescope.errors import UsageError


class ExploreCommand:
    """Explore INPUT interactively: closure browser, files, findings and /etc views.

    Loads INPUT (any format; a progress bar on the terminal while it loads), analyses it,
    then opens a terminal UI: miller columns over the dependency graph like nix-tree
    (s sort, / search, w why-depends, y copy the store path, r roots), the image's files
    like ncdu/dive with a layer selector and the largest files (2), every finding by saving
    (3; Enter jumps to its subject), and the suggested /etc subset when there is one (4).
    Press ? for every key, q to quit. Needs a terminal on standard input and output.
    """

    name = "explore"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input and look options."""
        add_input_arguments(parser)
        parser.add_argument(
            "--config",
            metavar="FILE",
            help="config file (default: .closurescope.toml or [tool.closurescope] in "
            "pyproject.toml, found upwards from the working directory)",
        )
        parser.add_argument(
            "--theme", choices=["dark", "light"], default="dark", help="colour theme (dark)"
        )

    def run(self, args: argparse.Namespace) -> int:
        """Load, analyse, then run the app until the user quits; exit 0."""
        if args.input == "-":
            raise UsageError("explore reads keys from the terminal: save INPUT to a file first")
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError("explore needs a terminal (use 'closurescope report' in scripts)")
        closure = load_input(args.input, args)
        result = analyze_closure(closure, args)
        from closurescope.tui import make_app
        from closurescope.tui.app import LIGHT_THEME

        app = make_app(closure, result)
        if args.theme == "light":
            app.theme = LIGHT_THEME
        app.run()
        return 0
