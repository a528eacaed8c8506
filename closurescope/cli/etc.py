"""``closurescope etc``."""

from __future__ import annotations

import argparse
import dataclasses
import json
from typing import TYPE_CHECKING

from closurescope.cli._common import (
    add_input_arguments,
    load_input,
    settings_from_args,
    write_output,
)
from closurescope.errors import UsageError

if TYPE_CHECKING:
    from closurescope.analysis.etc import EtcSuggestion
    from closurescope.analysis.etc_graph import EtcEntry


class EtcCommand:
    """Suggest the minimal /etc for the programs of INPUT (an image or a root filesystem).

    The programs are the image config's Entrypoint/Cmd, or --app PATH (repeatable, an
    in-image path). Their bytes and the shared libraries of their closure show what they
    need (name lookups, TLS, users, locale, time zones: --need adds needs by hand); each kept
    /etc entry comes with its evidence. The drop list says what each other entry drags into
    the closure, the saving is computed on the dependency graph, and the fix comes ready to
    paste: a Nix runCommand copying only the kept entries (rsync -aR etc/{...}), the nixpkgs
    packages that provide them (iana-etc, cacert, dockerTools.fakeNss) and a Dockerfile form.
    /etc/hosts and /etc/resolv.conf are provided by the container runtime.
    """

    name = "etc"

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Input, programs, needs, format and output."""
        add_input_arguments(parser)
        parser.add_argument(
            "--app",
            action="append",
            default=[],
            metavar="PATH",
            help="in-image program whose needs count (repeatable; default: Entrypoint/Cmd)",
        )
        parser.add_argument(
            "--need",
            metavar="LIST",
            help="needs stated by hand, comma-separated: tls, dns, users, locale, tz",
        )
        parser.add_argument(
            "--format", "-f", choices=["table", "markdown", "json"], default="table"
        )
        parser.add_argument(
            "-o", "--output", metavar="FILE", help="write to FILE instead of stdout"
        )
        parser.add_argument("--config", metavar="FILE", help="config file (.closurescope.toml)")

    def run(self, args: argparse.Namespace) -> int:
        """Exit 0 with a suggestion; 2 when INPUT has no files or no /etc."""
        from closurescope.analysis.etc import parse_needs, suggest_etc
        from closurescope.analysis.sizes import compute_sizes

        try:
            needs = parse_needs(args.need or "")
        except ValueError as exc:
            raise UsageError(f"--need: {exc}") from None
        settings = settings_from_args(args)
        settings = dataclasses.replace(
            settings,
            apps=tuple(args.app) or settings.apps,
            needs=needs | settings.needs,
        )
        closure = load_input(args.input, args)
        suggestion = suggest_etc(closure, compute_sizes(closure.graph), settings)
        if not suggestion.applicable:
            raise UsageError(suggestion.reason)
        if args.format == "json":
            text = json.dumps(suggestion.to_json(), indent=2, sort_keys=True) + "\n"
        elif args.format == "markdown":
            text = render_markdown(suggestion)
        else:
            text = render_table(suggestion)
        write_output(text, args.output)
        return 0


def _size(n: int | None) -> str:
    from closurescope.units import format_size

    return format_size(n)


def _short(path: str) -> str:
    """``nix/store/<hash>-name/bin/x`` → ``<name>/bin/x`` for reading; other paths as they are."""
    if path.startswith("nix/store/") and "-" in path[10:]:
        rest = path[10:]
        return rest.split("-", 1)[1] if len(rest.split("/", 1)[0]) > 33 else path
    return path


def _drag(e: EtcEntry) -> str:
    names = ", ".join(d.rsplit("/", 1)[-1].split("-", 1)[-1] for d in e.drags)
    return f"{_size(e.drag_bytes)}" + (f"  ({names})" if names else "")


def render_table(s: EtcSuggestion) -> str:
    """Plain text for a terminal."""
    lines = [f"programs: {', '.join(_short(p) for p in s.programs) or '(none)'}"]
    lines.append(f"needs:    {', '.join(s.needs) or '(none)'}")
    lines.append("")
    lines.append(f"KEEP ({len(s.keep)})")
    for e in s.keep:
        lines.append(f"  /{e.path}")
        for ev in e.evidence[:4]:
            lines.append(f"      {ev.marker} in {_short(ev.source)}")
    if s.runtime:
        lines.append("")
        lines.append("PROVIDED BY THE RUNTIME")
        lines.extend(f"  /{e.path}: {e.reasons[0]}" for e in s.runtime)
    lines.append("")
    lines.append(f"DROP ({len(s.drop)})")
    width = max((len(e.path) for e in s.drop), default=0) + 1
    lines.extend(f"  /{e.path:<{width}} {_drag(e)}" for e in s.drop)
    lines.append("")
    lines.append(
        f"saving: {_size(s.saving)} ({s.saving} bytes; closure {_size(s.size_before)} -> "
        f"{_size(s.size_after)}, {len(s.removed)} components removed)"
    )
    if s.providers:
        lines.append("")
        lines.append("packages providing the kept entries:")
        for p in s.providers:
            where = f"{_size(p.closure_size)} in this closure" if p.closure_size else "not here"
            lines.append(f"  {p.attr:<22} {', '.join(p.provides):<28} {where}")
    for key in ("nix", "nix-packages", "shell", "dockerfile"):
        if key in s.snippets:
            lines.append("")
            lines.append(f"--- {key} ---")
            lines.append(s.snippets[key])
    if s.notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(f"  - {n}" for n in s.notes)
    return "\n".join(lines) + "\n"


def render_markdown(s: EtcSuggestion) -> str:
    """GitHub-flavoured Markdown (a PR comment)."""
    out = ["## Minimal /etc", ""]
    out.append(f"Programs: {', '.join(f'`/{p}`' for p in s.programs) or '(none)'}; ")
    out.append(f"needs: {', '.join(s.needs) or '(none)'}.")
    out += ["", f"**Saving: {_size(s.saving)}** ({s.saving} bytes, {len(s.removed)} components)."]
    out += ["", "| keep | why |", "|---|---|"]
    out += [
        f"| `/{e.path}` | {'; '.join(x.text() for x in e.evidence[:3]).replace('|', '/')} |"
        for e in s.keep
    ]
    if s.runtime:
        out += ["", "Provided by the container runtime: "]
        out[-1] += ", ".join(f"`/{e.path}`" for e in s.runtime) + "."
    out += ["", "| drop | drags in |", "|---|---|"]
    out += [f"| `/{e.path}` | {_drag(e)} |" for e in s.drop]
    langs = {"nix": "nix", "nix-packages": "nix", "shell": "sh", "dockerfile": "dockerfile"}
    for key, lang in langs.items():
        if key in s.snippets:
            out += ["", f"```{lang}", s.snippets[key], "```"]
    if s.notes:
        out += [""] + [f"- {n}" for n in s.notes]
    return "\n".join(out) + "\n"
