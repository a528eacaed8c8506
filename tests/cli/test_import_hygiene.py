"""`closurescope --help` stays light: no textual, no networkx (harlequin's guard)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def _modules_after(code: str) -> set[str]:
    probe = code + "\nimport sys, json\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    import json

    return set(json.loads(out.strip().splitlines()[-1]))


def test_help_imports_neither_textual_nor_networkx() -> None:
    mods = _modules_after(
        "from closurescope.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['--help'])"
    )
    assert "textual" not in mods
    assert "networkx" not in mods


def test_model_does_not_import_textual() -> None:
    mods = _modules_after("import closurescope, closurescope.model, closurescope.cli")
    assert "textual" not in mods


def test_model_and_rootfs_walker_do_not_import_networkx() -> None:
    mods = _modules_after("import closurescope.model, closurescope.loaders.rootfs")
    assert "closurescope.model" in mods
    assert "networkx" not in mods


def test_building_a_graph_imports_networkx() -> None:
    """The guard above can fail: a DepGraph does pull networkx in."""
    code = (
        "from closurescope.model import DepGraphBuilder\nassert len(DepGraphBuilder().build()) == 0"
    )
    assert "networkx" in _modules_after(code)


def test_dupes_on_a_directory_loads_only_files_and_findings(tmp_path: Path) -> None:
    """`closurescope dupes DIR`: no graph library, no graph or image model, no other loader."""
    (tmp_path / "a").write_bytes(b"x" * 10)
    (tmp_path / "b").write_bytes(b"x" * 10)
    mods = _modules_after(
        "from closurescope.cli import main\n"
        f"assert main(['dupes', {str(tmp_path)!r}, '-o', '/dev/null']) == 0"
    )
    assert {"closurescope.loaders._walk", "closurescope.model.files"} <= mods
    unwanted = {
        "networkx",
        "zstandard",
        "closurescope.loaders.registry",
        "closurescope.model.graph",
        "closurescope.model.image",
        "closurescope.model.closure",
    }
    assert not unwanted & mods


def test_lazy_names_are_the_submodules_objects() -> None:
    import closurescope.analysis as analysis
    import closurescope.model as model
    from closurescope.analysis.run import analyze
    from closurescope.model.closure import Closure

    assert model.Closure is Closure
    assert analysis.analyze is analyze
    assert not hasattr(model, "NoSuchName")
    for package in (model, analysis):
        for name in package.__all__:  # every exported name resolves
            assert getattr(package, name) is not None
