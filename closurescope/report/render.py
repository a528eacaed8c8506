"""Render DOT text with the real Graphviz ``dot`` (the one place that runs it)."""

from __future__ import annotations

import shutil
import subprocess

from closurescope.errors import ClosurescopeError, ToolMissingError, UsageError

TEXT_FORMATS = ("dot", "gv")
"""Formats that are the DOT text itself (no ``dot`` needed)."""
IMAGE_FORMATS = ("svg", "png", "pdf")
"""Formats rendered by ``dot -T``."""
FORMATS = TEXT_FORMATS + IMAGE_FORMATS

MISSING_DOT = "dot (Graphviz) is not installed: apt-get install graphviz"


def format_for(path: str | None, explicit: str | None = None) -> str:
    """The output format: ``explicit`` if given, else from ``path``'s suffix; ``-`` → dot."""
    if explicit is not None:
        fmt = explicit.lower().lstrip(".")
    elif path is None or path == "-":
        fmt = "dot"
    else:
        name = path.rsplit("/", 1)[-1]
        if "." not in name:
            raise UsageError(f"{path}: cannot tell the format (use .dot, .svg, .png, .pdf)")
        fmt = name.rsplit(".", 1)[-1].lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown graph format {fmt!r} (one of {', '.join(FORMATS)})")
    return fmt


def render(dot_text: str, fmt: str, *, timeout: float = 120.0) -> bytes:
    """``dot_text`` as ``fmt`` bytes: DOT itself for dot/gv, else the output of ``dot -T``.

    Raises ToolMissingError when ``dot`` is not on PATH, ClosurescopeError when it fails.
    """
    if fmt in TEXT_FORMATS:
        return dot_text.encode("utf-8")
    if fmt not in IMAGE_FORMATS:
        raise UsageError(f"unknown graph format {fmt!r} (one of {', '.join(FORMATS)})")
    exe = shutil.which("dot")
    if exe is None:
        raise ToolMissingError(MISSING_DOT)
    try:
        proc = subprocess.run(
            [exe, f"-T{fmt}"],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ClosurescopeError(f"dot took longer than {timeout:.0f} s") from None
    except OSError as exc:
        raise ToolMissingError(f"{MISSING_DOT} ({exc.strerror})") from None
    if proc.returncode != 0:
        stderr = proc.stderr.decode("utf-8", "replace").strip()
        first = stderr.splitlines()[0] if stderr else f"exit status {proc.returncode}"
        raise ClosurescopeError(f"dot failed: {first}")
    return proc.stdout
