"""docs/reference/cli.md is exactly what the parser prints (harlequin's documented-flags idea)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_cli_reference_is_current() -> None:
    spec = importlib.util.spec_from_file_location(
        "make_cli_md", ROOT / "docs" / "reference" / "make_cli_md.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    expected = module.render()
    actual = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert actual == expected, "run: python docs/reference/make_cli_md.py"
