"""`closurescope why` agrees with the real `nix why-depends` outputs saved next to the samples."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from closurescope.cli import main

NIX = Path(__file__).resolve().parent.parent.parent / "sample-closures" / "nix"
CLOSURE = NIX / "app-image-root-full.path-info-S.json"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PATH = re.compile(r"(/nix/store/[0-9a-z]{32}-[^\s]+)")


def nix_tree_edges(text: str) -> tuple[list[str], set[tuple[str, str]]]:
    """(paths in order, parent→child edges) of a `nix why-depends` tree printout."""
    stack: list[tuple[int, str]] = []
    order: list[str] = []
    edges: set[tuple[str, str]] = set()
    for raw in _ANSI.sub("", text).splitlines():
        match = _PATH.search(raw)
        if not match:
            continue
        depth = match.start() // 4
        path = match.group(1)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            edges.add((stack[-1][1], path))
        stack.append((depth, path))
        order.append(path)
    return order, edges


def _why(args: list[str], capsys: pytest.CaptureFixture[str]) -> dict:  # type: ignore[type-arg]
    assert main(["why", str(CLOSURE), *args, "--format", "json"]) == 0
    (entry,) = json.loads(capsys.readouterr().out)["why"]
    return entry  # type: ignore[no-any-return]


@pytest.mark.parametrize("target", ["glibc-2.39", "perl-5.38.2"])
def test_shortest_chain_length_equals_nix(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    order, _ = nix_tree_edges((NIX / f"app-image-root-full.why-depends.{target}.txt").read_text())
    entry = _why([target], capsys)
    chain = entry["chains"][0]
    assert len(chain) == len(order)
    assert chain[0] == order[0]
    assert chain[-1] == order[-1]


def test_all_chains_cover_the_same_edges_as_nix_all(capsys: pytest.CaptureFixture[str]) -> None:
    _, nix_edges = nix_tree_edges(
        (NIX / "app-image-root-full.why-depends-all.glibc-2.39.txt").read_text()
    )
    entry = _why(["glibc-2.39", "--all"], capsys)
    ours = {(a, b) for chain in entry["chains"] for a, b in itertools.pairwise(chain)}
    assert not entry["truncated"]
    assert ours == nix_edges
