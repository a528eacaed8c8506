"""``closurescope why``."""

from __future__ import annotations

import argparse
import itertools
import json
import sys

from closurescope.cli._common import add_input_arguments, load_input, write_output
from closurescope.errors import UsageError


class WhyCommand:
    """Show why INPUT depends on TARGET: the chains from the roots to every match.

    TARGET is a store path, a name (glibc-2.39) or a package name (glibc). Like
    'nix why-depends' the shortest chain comes first; --all lists every chain (capped by
    --limit, and the cap is reported, as nix-tree does). --precise names, for every link of
    the chain, the files that hold the reference (images and store paths read from files).
    """

    name = "why"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input, target and chain options."""
        add_input_arguments(parser)
        parser.add_argument("target", metavar="TARGET", help="store path, name or package name")
        parser.add_argument(
            "--all", "-a", action="store_true", help="every chain, not only the shortest"
        )
        parser.add_argument(
            "--limit", type=int, default=1000, metavar="N", help="cap on chains listed (1000)"
        )
        parser.add_argument(
            "--precise", action="store_true", help="name the files that hold each reference"
        )
        parser.add_argument("--format", "-f", choices=["text", "json"], default="text")
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )

    def run(self, args: argparse.Namespace) -> int:
        """Exit 0 when the target was found, 1 when nothing matched."""
        from closurescope.analysis.sizes import compute_sizes
        from closurescope.analysis.why import find_targets, why_depends
        from closurescope.units import format_size

        if args.limit < 1:
            raise UsageError("--limit must be at least 1")
        closure = load_input(args.input, args)
        graph = closure.graph
        targets = find_targets(graph, args.target)
        if not targets:
            print(f"closurescope: nothing in {args.input} matches {args.target!r}", file=sys.stderr)
            return 1
        sizes = compute_sizes(graph)
        report: list[dict[str, object]] = []
        lines: list[str] = []
        for target in targets:
            result = why_depends(graph, target, limit=args.limit)
            chains = list(result.chains) if args.all else list(result.chains[:1])
            entry: dict[str, object] = {
                "target": target,
                "closure_size": sizes[target].closure_size,
                "added_size": sizes[target].added_size,
                "chains": [list(c) for c in chains],
                "total_chains": result.total,
                "truncated": result.truncated,
            }
            if args.precise:
                entry["evidence"] = [
                    [list(graph.evidence(a, b)) for a, b in itertools.pairwise(c)] for c in chains
                ]
            report.append(entry)
            comp = graph.component(target)
            lines.append(
                f"{target}  ({comp.name}; closure {format_size(sizes[target].closure_size)}, "
                f"added {format_size(sizes[target].added_size)})"
            )
            if not chains:
                lines.append("  (a root: nothing leads to it)")
            for chain in chains:
                lines.append("")
                if len(chain) == 1:
                    lines.append(f"{comp.name} is a root itself (the input or its config names it)")
                    continue
                for depth, node in enumerate(chain):
                    name = graph.component(node).name
                    branch = "    " * (depth - 1) + "└── " if depth else ""
                    lines.append(f"{branch}{name}  {node}")
                    if args.precise and depth:
                        pad = "    " * depth
                        lines.extend(
                            f"{pad}  ↳ referenced by /{path}"
                            for path in graph.evidence(chain[depth - 1], node)
                        )
            shown = len(chains)
            total = result.total
            if args.all and result.truncated:
                lines.append(f"\n… {shown} chains shown, capped at --limit {args.limit} of {total}")
            elif not args.all and total is not None and total > 1:
                lines.append(f"\n({total} chains in all; --all lists them)")
            lines.append("")
        if args.format == "json":
            text = json.dumps({"why": report}, indent=2, sort_keys=True) + "\n"
        else:
            text = "\n".join(lines).rstrip("\n") + "\n"
        write_output(text, args.output)
        return 0
