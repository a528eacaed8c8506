"""analyze() runs the expensive shared analyses once and hands them to the detectors."""

from __future__ import annotations

from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.loaders import load

IMAGE = (
    Path(__file__).resolve().parents[3]
    / "sample-closures"
    / "nix"
    / "images"
    / "app-full.docker.tar"
)


def test_layer_metrics_and_etc_suggestion_computed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import closurescope.analysis.detectors.duplicates as duplicates
    import closurescope.analysis.detectors.etc_rules as etc_rules
    import closurescope.analysis.detectors.layer_rules as layer_rules
    import closurescope.analysis.detectors.symlinks as symlinks
    import closurescope.analysis.etc as etc
    import closurescope.analysis.layers as layers
    import closurescope.analysis.merkle as merkle

    closure = load(str(IMAGE))
    calls = {"layers": 0, "etc": 0, "merkle": 0}
    real_layers, real_etc, real_index = layers.layer_metrics, etc.suggest_etc, merkle.index_tree

    def count_index(*args: object, **kw: object) -> object:
        calls["merkle"] += 1
        return real_index(*args, **kw)  # type: ignore[arg-type]

    def count_layers(*args: object, **kw: object) -> object:
        calls["layers"] += 1
        return real_layers(*args, **kw)  # type: ignore[arg-type]

    def count_etc(*args: object, **kw: object) -> object:
        calls["etc"] += 1
        return real_etc(*args, **kw)  # type: ignore[arg-type]

    for module in (layers, layer_rules):
        monkeypatch.setattr(module, "layer_metrics", count_layers)
    for module in (etc, etc_rules):
        monkeypatch.setattr(module, "suggest_etc", count_etc)
    for module in (merkle, duplicates, symlinks):
        monkeypatch.setattr(module, "index_tree", count_index)
    result = analyze(closure)
    assert calls == {"layers": 1, "etc": 1, "merkle": 1}
    assert {"CS201", "CS205"} <= {f.rule_id for f in result.findings}
    assert [f.rule_id for f in result.findings if f.rule_id == "CS501"] == ["CS501"]
    assert result.metrics["etc"]["saving"] == next(  # type: ignore[index]
        f.saving for f in result.findings if f.rule_id == "CS501"
    )
