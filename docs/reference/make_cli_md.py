"""Write docs/reference/cli.md from the real argparse parser.

Run: python docs/reference/make_cli_md.py
tests/cli/test_documented_flags.py fails when the committed page differs from what this prints,
so the reference cannot drift from the code.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render() -> str:
    """The whole page (help wrapped at 100 columns, whatever the terminal)."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "100"
    try:
        return _render()
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _render() -> str:
    from closurescope.cli import build_parser

    parser = build_parser()
    out = [
        "# Command line reference",
        "",
        "Generated from the parser by `docs/reference/make_cli_md.py`; do not edit by hand.",
        "",
        "```",
        parser.format_help().rstrip(),
        "```",
        "",
    ]
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        out += [f"## closurescope {name}", "", "```", command.format_help().rstrip(), "```", ""]
    return "\n".join(out)


if __name__ == "__main__":
    (HERE / "cli.md").write_text(render(), encoding="utf-8")
    sys.exit(0)
