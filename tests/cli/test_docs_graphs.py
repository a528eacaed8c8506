"""docs/how-to/graphs.md: its pictures exist, its sample commands run, its DOT is current."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from closurescope.cli import main

ROOT = Path(__file__).resolve().parent.parent.parent
DOC = ROOT / "docs" / "how-to" / "graphs.md"
IMG = DOC.parent / "img"


def _sample_commands() -> list[list[str]]:
    """The ``closurescope graph sample-closures/...`` command lines of the sh blocks."""
    text = DOC.read_text().replace("\\\n", " ")
    out: list[list[str]] = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            words = shlex.split(line, comments=True)
            if words[:3] and words[0] == "closurescope" and words[2].startswith("sample-"):
                out.append(words[1:])
    return out


def test_every_picture_the_page_shows_is_committed() -> None:
    shown = re.findall(r"\]\((img/[^)]+)\)", DOC.read_text())
    assert len(shown) >= 8
    for rel in shown:
        path = DOC.parent / rel
        assert path.is_file(), rel
        if rel.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.needs_dot
@pytest.mark.skipif(shutil.which("dot") is None, reason="needs graphviz dot")
@pytest.mark.parametrize("argv", _sample_commands(), ids=lambda a: " ".join(a[1:2] + a[3:]))
def test_sample_commands_run(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (ROOT / argv[1]).exists():
        pytest.skip(f"{argv[1]} not generated")
    monkeypatch.chdir(ROOT)
    out = argv.index("-o") + 1
    argv = [*argv[:out], str(tmp_path / Path(argv[out]).name), *argv[out + 1 :]]
    assert main(argv) == 0
    assert (tmp_path / Path(argv[out]).name).stat().st_size > 1000


def test_committed_dot_matches_the_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = "sample-closures/nix/app-image-root-full.path-info-S.json"
    if not (ROOT / sample).is_file():
        pytest.skip("Nix samples not generated")
    monkeypatch.chdir(ROOT)
    assert main(["graph", sample, "-o", "-"]) == 0
    # same nodes and edges (labels may gain findings as detectors grow)
    shape = re.compile(r"^\t+([nf]_[0-9a-f]{12}(?: -> [nf]_[0-9a-f]{12})?)(?: \[|$)", re.M)
    now = shape.findall(capsys.readouterr().out)
    committed = shape.findall((IMG / "closure.dot").read_text())
    assert now == committed, "docs pictures are stale: bash docs/how-to/make_graph_pictures.sh"
    assert len(now) > 20
