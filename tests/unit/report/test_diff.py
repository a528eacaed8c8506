"""The closure diff groups like `nix store diff-closures` and sorts by |delta|."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.loaders import load
from closurescope.report.diff import diff_documents, nix_group_name, package_line
from closurescope.report.document import build_document

ROOT = Path(__file__).resolve().parents[3]
CLOSURE = ROOT / "tests" / "unit" / "loaders" / "nix_data" / "path-info-S.json"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("openssl-3.0.13-bin", ("openssl", "3.0.13")),
        ("glibc-2.39-52", ("glibc", "2.39-52")),
        ("hello", ("hello", "")),
        ("iana-etc-20240318", ("iana-etc", "20240318")),
        ("etc", ("etc", "")),
        ("system-path", ("system", "")),  # Nix strips "-path" as an output name, as we do
        ("perl5.38.2-Text-Foo-1.0", ("perl5.38.2-Text-Foo", "1.0")),
        ("python3-3.11.9-env", ("python3", "3.11.9")),
    ],
)
def test_grouping_matches_nix(name: str, expected: tuple[str, str]) -> None:
    assert nix_group_name(name) == expected


def _doc() -> dict:  # type: ignore[type-arg]
    closure = load(str(CLOSURE))
    return build_document(closure, analyze(closure))


def test_identical_inputs_have_no_changes() -> None:
    doc = _doc()
    diff = diff_documents(doc, copy.deepcopy(doc))
    assert diff["packages"] == []
    assert diff["total_delta"] == 0


def test_upgrade_removal_and_threshold() -> None:
    old = _doc()
    new = copy.deepcopy(old)
    for comp in new["components"]:
        if comp["name"] == "libb-2.3":
            comp["name"] = "libb-2.4"
            comp["self_size"] += 10_000
        if comp["name"] == "tool-2.1":
            comp["self_size"] += 100  # below Nix's 8 KiB threshold: not listed
    new["components"] = [c for c in new["components"] if c["name"] != "liba-1.0"]
    new["summary"]["total_size"] = sum(c["self_size"] for c in new["components"])
    diff = diff_documents(old, new)
    names = [p["name"] for p in diff["packages"]]
    assert names == ["libb", "liba"]  # sorted by |delta|
    libb, liba = diff["packages"]
    assert libb["status"] == "upgraded"
    assert libb["delta"] == 10_000
    assert package_line(libb) == "libb: 2.3 → 2.4, +9.8 KiB"
    assert liba["status"] == "removed"
    assert package_line(liba) == "liba: 1.0 → ∅"
