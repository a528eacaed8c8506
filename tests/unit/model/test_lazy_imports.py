"""networkx is imported only when a dependency graph is built."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return set(out.split())


def test_model_and_rootfs_walker_do_not_import_networkx() -> None:
    mods = _modules_after("import closurescope.model, closurescope.loaders.rootfs")
    assert "closurescope.model.graph" in mods
    assert "networkx" not in mods


def test_building_a_graph_imports_networkx() -> None:
    code = (
        "from closurescope.model import DepGraphBuilder\n"
        "g = DepGraphBuilder().build()\n"
        "assert len(g) == 0"
    )
    assert "networkx" in _modules_after(code)
