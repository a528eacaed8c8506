"""``closurescope graph``."""

from __future__ import annotations

import argparse

from closurescope.cli._common import add_input_arguments, analyze_closure, load_input, write_output
from closurescope.errors import UsageError

# Copies of closurescope.report constants, so that building the parser imports nothing heavy
# (a test checks they agree).
FORMATS = ("dot", "gv", "svg", "png", "pdf")
BY_CHOICES = ("added", "closure", "self", "layer")
DEFAULT_TOP = 30


class GraphCommand:
    """Draw a reviewable Graphviz picture: what is big, why it is there, what changed.

    The TOP heaviest components (by added size unless --by says otherwise) are drawn with
    their self, closure and added sizes; every other component is folded into one
    '+N more (size)' node under the nearest drawn component that needs it, and dashed edges
    stand for chains through hidden components. Edges point from dependent to dependency.
    Findings are marked and explained in a legend; image layers become clusters.
    With two inputs (OLD NEW) the picture shows what was added, removed, grown or shrunk.

    The format comes from the -o suffix (.dot/.gv, .svg, .png, .pdf) or --format; '-o -'
    writes DOT to stdout. SVG, PNG and PDF need Graphviz's 'dot' (apt-get install graphviz).

    examples:
      closurescope graph closure.json -o closure.svg
      closurescope graph image.tar -o image.svg --top 30
      closurescope graph image.tar -o why.svg --why glibc
      closurescope graph image.tar -o focus.svg --focus openssl --depth 2
      closurescope graph old.json new.json -o diff.svg
      closurescope graph image.tar -o layers.svg --by layer
    """

    name = "graph"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Inputs, output, selection and drawing options."""
        add_input_arguments(parser)
        parser.add_argument(
            "new",
            nargs="?",
            metavar="NEW",
            help="a second input: draw what changed from INPUT to NEW",
        )
        parser.add_argument(
            "-o",
            "--output",
            metavar="FILE",
            default="-",
            help="output file; its suffix picks the format ('-': DOT on stdout, the default)",
        )
        parser.add_argument(
            "--format", "-f", choices=FORMATS, help="output format (default: from -o's suffix)"
        )
        parser.add_argument(
            "--top",
            type=int,
            default=DEFAULT_TOP,
            metavar="N",
            help=f"draw the N heaviest components, fold the rest ({DEFAULT_TOP}; 0 = all)",
        )
        parser.add_argument(
            "--by",
            choices=BY_CHOICES,
            default="added",
            help="rank by added (default), closure or self size, or by layer (every layer in turn)",
        )
        parser.add_argument(
            "--why", metavar="TARGET", help="only the chains from the roots to TARGET"
        )
        parser.add_argument(
            "--focus", metavar="NAME", help="only NAME, its dependencies and its referrers"
        )
        parser.add_argument(
            "--depth",
            type=int,
            metavar="N",
            help="with --focus: N steps each way; alone: N levels below the roots",
        )
        parser.add_argument(
            "--reduce",
            action="store_true",
            help="transitive reduction: drop edges implied by other edges",
        )
        parser.add_argument("--no-legend", action="store_true", help="leave the legend out")

    def run(self, args: argparse.Namespace) -> int:
        """Load, analyse, select, draw; exit 0."""
        from closurescope.report.graphviz import diff_dot, graph_dot
        from closurescope.report.render import format_for, render

        fmt = format_for(args.output, args.format)
        if args.output == "-" and fmt not in ("dot", "gv"):
            raise UsageError(f"{fmt} output needs a file: use -o FILE.{fmt}")
        old = load_input(args.input, args)
        if args.new is not None:
            if args.why or args.focus or args.depth is not None or args.reduce:
                raise UsageError("--why, --focus, --depth and --reduce apply to one input")
            if args.by != "added":
                raise UsageError("--by applies to one input (diffs rank by the size change)")
            new = load_input(args.new, args)
            text = diff_dot(
                old,
                analyze_closure(old, args),
                new,
                analyze_closure(new, args),
                top=args.top,
                legend=not args.no_legend,
            )
        else:
            text = graph_dot(
                old,
                analyze_closure(old, args),
                top=args.top,
                by=args.by,
                why=args.why,
                focus=args.focus,
                depth=args.depth,
                reduce=args.reduce,
                legend=not args.no_legend,
            )
        data = render(text, fmt)
        write_output(data if fmt not in ("dot", "gv") else text, args.output)
        return 0
