"""Every broken Nix sample in ``sample-closures/broken`` fails with a one-line LoadError that
starts with the file name and says what is wrong (the list mirrors the README there)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import load

BROKEN = Path(__file__).resolve().parents[3] / "sample-closures" / "broken"

CASES = [
    # file, format prefix (None: detected), key words of the message
    ("nix-truncated.path-info.json", None, "not JSON: Unterminated string starting at line 1 col"),
    (
        "nix-not-json.path-info.json",
        None,
        "not JSON: Expecting property name enclosed in double quotes at line 1 col 18",
    ),
    ("nix-not-utf8.path-info.json", None, "not JSON: not UTF-8 text (byte 22)"),
    ("nix-other-shape.json", None, "JSON of another shape: 'schemaVersion' is not a store path"),
    (
        "nix-scalar.json",
        "nix-path-info",
        "JSON of another shape: expected nix path-info --json output",
    ),
    ("nix-empty.path-info.json", "nix-path-info", "no store paths in it"),
    ("nix-all-invalid.path-info.json", "nix-path-info", "no valid store paths (1 not valid:"),
    (
        "nix-missing-reference.path-info.json",
        None,
        "-tool-2.1, which is not in the input (make the dump with nix path-info --json "
        "--recursive)",
    ),
    (
        "nix-invalid-reference.path-info.json",
        None,
        "-app-0.3-gone, which is not valid in the store",
    ),
    ("nix-cycle.path-info.json", None, "reference cycle: "),
    (
        "nix-bad-narsize.path-info.json",
        None,
        "narSize of /nix/store/7wjvd22jf2jsa677lkwkxykz037pw4ia-liba-1.0 is not a byte count",
    ),
    ("nix-json-format-9.json", None, "unsupported --json-format version 9"),
    (
        "nix-syntax-error.dot",
        None,
        "line 4: DOT syntax error: expected a node id or statement, got '->'",
    ),
    ("nix-unterminated.dot", None, "line 10: DOT syntax error: unterminated quoted string"),
    ("nix-not-store-path.dot", None, "line 3: node 'hello-2.12' is not a store path name"),
    ("nix-undirected.dot", "nix-dot", "an undirected graph"),
    ("nix-cycle.dot", None, "reference cycle: "),
    ("registration-truncated.dump-db", None, "line 26: the file ends inside the record of"),
    (
        "registration-count-nan.dump-db",
        None,
        "line 5: the number of references is not a number: 'zero'",
    ),
    (
        "registration-bad-reference.dump-db",
        None,
        "line 11: reference 1 of 1 is not a store path: 'liba-1.0'",
    ),
    ("registration-bad-hash.dump-db", None, "line 2: narHash of"),
    ("registration-incomplete.references-graph", None, "-liba-1.0, which is not in the input"),
    ("registration-store-paths-only", None, "only store paths, no references"),
    (
        "nix-corrupt.sqlite",
        None,
        "not a readable Nix store database: database disk image is malformed",
    ),
    ("nix-truncated.sqlite", None, "not a readable Nix store database"),
    ("nix-not-a-store.sqlite", None, "not a Nix store database: no Refs or ValidPaths table"),
]


@pytest.mark.parametrize(("name", "fmt", "words"), CASES, ids=[c[0] for c in CASES])
def test_broken_sample_gives_one_line_load_error(name: str, fmt: str | None, words: str) -> None:
    path = BROKEN / name
    assert path.is_file()
    spec = f"{fmt}:{path}" if fmt else str(path)
    with pytest.raises(LoadError) as info:
        load(spec)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    assert "Traceback" not in message
    assert words in message


def test_every_nix_broken_sample_is_tested_and_documented() -> None:
    ours = {
        p.name
        for p in BROKEN.iterdir()
        if p.name.startswith(("nix-", "registration-")) and p.is_file()
    }
    assert ours == {c[0] for c in CASES}
    readme = (BROKEN / "README.md").read_text()
    listed = set(re.findall(r"^\| `([^`]+)` \|", readme, flags=re.MULTILINE))
    assert ours <= listed
