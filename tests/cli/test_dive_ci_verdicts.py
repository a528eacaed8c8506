"""`.dive-ci` verdicts equal dive's on dive's own images (dive-metrics.md §5).

dive's acceptance runs (`dive --ci` with `.data/.dive-ci`) pass on all of these images; its
thresholds are inclusive (a value exactly at the limit passes) and a NaN user-wasted ratio
(one-layer image) never fails.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from closurescope.cli import main

CORPUS = Path(__file__).resolve().parent.parent.parent.parent / "shared" / "corpus" / "dive"
UPSTREAM_DIVE_CI = (
    "plugins:\n  - plugin1\n"
    "rules:\n  lowestEfficiency: 0.95\n  highestWastedBytes: 20Mb\n"
    "  highestUserWastedPercent: 0.5\n  plugin1/rule1: error\n"
)
IMAGES = [
    "test-docker-image.tar",
    "test-kaniko-image.tar",
    "test-oci-uncompressed-image.tar",
    "test-oci-gzip-image.tar",
    "test-oci-zstd-image.tar",
    "test-oci-estargz-image.tar",
]
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")


def _verdicts(
    image: str, rules: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, str]]:
    ci = tmp_path / ".dive-ci"
    ci.write_text(rules)
    code = main(["report", str(CORPUS / image), "--dive-ci", str(ci), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    return code, {r["rule_id"]: r["status"] for r in doc["rules"] if r["rule_id"] in
                  ("CS301", "CS302", "CS303")}  # fmt: skip


@pytest.mark.parametrize("image", IMAGES)
def test_upstream_dive_ci_passes_like_dive(
    image: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, verdicts = _verdicts(image, UPSTREAM_DIVE_CI, tmp_path, capsys)
    assert verdicts == {"CS301": "pass", "CS302": "pass", "CS303": "pass"}
    assert code == 0


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        # exactly at dive's figures for test-docker-image.tar: inclusive, so all pass
        (
            "lowestEfficiency: 0.9844212134184309\nhighestWastedBytes: 32025\n"
            "highestUserWastedPercent: 0.4834911001404049\n",
            {"CS301": "pass", "CS302": "pass", "CS303": "pass"},
        ),
        # one step past each: all fail
        (
            "lowestEfficiency: 0.985\nhighestWastedBytes: 32024\nhighestUserWastedPercent: 0.48\n",
            {"CS301": "fail", "CS302": "fail", "CS303": "fail"},
        ),
        # dive's defaults for missing keys (0.9 and 0.1; wasted bytes disabled)
        ("{}\n", {"CS301": "pass", "CS302": "skip", "CS303": "fail"}),
        # SI units as go-humanize reads them: 32 kB = 32,000 < 32,025 → fail
        (
            "highestWastedBytes: 32kB\nlowestEfficiency: off\nhighestUserWastedPercent: ''\n",
            {"CS301": "skip", "CS302": "fail", "CS303": "skip"},
        ),
    ],
)
def test_thresholds_like_dive_on_docker_image(
    rules: str, expected: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = "rules:\n" + "".join(f"  {line}\n" for line in rules.splitlines() if line != "{}")
    code, verdicts = _verdicts("test-docker-image.tar", body, tmp_path, capsys)
    assert verdicts == expected
    assert code == (1 if "fail" in expected.values() else 0)


def test_single_layer_nan_never_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body = "rules:\n  highestUserWastedPercent: 0\n"
    _, verdicts = _verdicts("test-oci-gzip-image.tar", body, tmp_path, capsys)
    assert verdicts["CS303"] == "pass"
