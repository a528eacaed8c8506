"""`closurescope diff` prints what `nix store diff-closures` prints on the sample versions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from closurescope.cli import main

NIX = Path(__file__).resolve().parent.parent.parent / "sample-closures" / "nix"
OLD = "/nix/store/xf1nsq9p11g4a8s5kkrvn3p7csyvhr92-app-image-root-full"
NEW = "/nix/store/01khqq8s2xx6d0bqx2cd4bafn5rbmp2k-app-image-root-full-v2"


def _ours(old: str, new: str, capsys: pytest.CaptureFixture[str]) -> list[str]:
    assert main(["diff", old, new]) == 0
    out = capsys.readouterr().out.splitlines()
    start = out.index("") + 1
    end = out.index("", start)
    return out[start:end]


def test_same_lines_as_saved_nix_output(capsys: pytest.CaptureFixture[str]) -> None:
    ours = _ours(
        str(NIX / "app-image-root-full.path-info-S.json"),
        str(NIX / "app-image-root-full-v2.path-info-S.json"),
        capsys,
    )
    truth = (NIX / "app-image-root-full.diff-closures-v2.txt").read_text().splitlines()
    assert sorted(ours) == sorted(truth)
    # sorted by |delta| (nix-tree-rs's order), not by name as Nix does
    assert ours[0].startswith("zlib: 1.3.1 → ∅, -89.0 KiB")


def test_every_input_format_gives_the_same_diff(capsys: pytest.CaptureFixture[str]) -> None:
    baseline = _ours(
        str(NIX / "app-image-root-full.path-info-S.json"),
        str(NIX / "app-image-root-full-v2.path-info-S.json"),
        capsys,
    )
    for suffix in ("path-info-S.json-format-2.json", "dump-db.txt", "registration"):
        lines = _ours(
            str(NIX / f"app-image-root-full.{suffix}"),
            str(NIX / f"app-image-root-full-v2.{suffix}"),
            capsys,
        )
        assert lines == baseline, suffix


@pytest.mark.needs_nix
def test_live_nix_diff_closures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("nix") is None or not (Path(OLD).exists() and Path(NEW).exists()):
        pytest.skip("nix or the sample store paths are not here (bash sample-closures/nix/make.sh)")
    conf = tmp_path / "nix.conf"
    conf.write_text("experimental-features = nix-command\nsubstituters =\n")
    env = {**os.environ, "NIX_CONF_DIR": str(tmp_path), "NIX_USER_CONF_FILES": ""}
    proc = subprocess.run(
        ["nix", "store", "diff-closures", OLD, NEW], capture_output=True, text=True, env=env
    )
    assert proc.returncode == 0, proc.stderr
    truth = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout).splitlines()
    ours = _ours(f"nix:{OLD}", f"nix:{NEW}", capsys)
    assert sorted(ours) == sorted(truth)
