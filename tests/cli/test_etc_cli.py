"""``closurescope etc``: formats, --app/--need, output file, inputs without files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from closurescope.cli import main
from tests.conftest import ROOT, SAMPLES

FULL = SAMPLES / "nix" / "images" / "app-full.docker.tar"
MINIMAL = SAMPLES / "nix" / "images" / "app-minimal.docker.tar"
PATH_INFO = SAMPLES / "nix" / "app-image-root-full.path-info-S.json"


def test_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etc", str(FULL)]) == 0
    out = capsys.readouterr().out
    keep = out.split("KEEP (4)\n", 1)[1].split("\n\n", 1)[0]
    assert [line.strip() for line in keep.splitlines() if line.startswith("  /")] == [
        "/etc/nsswitch.conf",
        "/etc/protocols",
        "/etc/services",
        "/etc/ssl",
    ]
    assert "getservbyname in hello-server-1.0/bin/hello-server" in out
    assert "/etc/hosts: bind-mounted by the container runtime" in out
    assert "saving: 4.6 MiB (4842482 bytes;" in out
    assert "rsync -aR etc/{nsswitch.conf,protocols,services,ssl} $out/" in out
    assert "/etc/set-environment  4.6 MiB" in out


def test_json_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "etc.json"
    assert main(["etc", str(FULL), "--format", "json", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    doc = json.loads(target.read_text())
    assert [k["name"] for k in doc["keep"]] == ["nsswitch.conf", "protocols", "services", "ssl"]
    assert doc["saving"] == 4842482
    assert set(doc["snippets"]) == {"dockerfile", "nix", "nix-packages", "shell"}


def test_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etc", str(FULL), "-f", "markdown"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("## Minimal /etc\n")
    assert "| `/etc/services` |" in out
    assert "```nix\n" in out


def test_app_and_need(capsys: pytest.CaptureFixture[str]) -> None:
    app = "/nix/store/4yhn9blpd7l9prjkfggyhbll92vxqg9z-coreutils-9.4/bin/ls"
    assert main(["etc", str(FULL), "--app", app, "--need", "users", "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["programs"] == [
        "nix/store/4yhn9blpd7l9prjkfggyhbll92vxqg9z-coreutils-9.4/bin/coreutils"
    ]
    assert doc["needs"] == ["locale", "tz", "users"]
    kept = {k["name"] for k in doc["keep"]}
    assert {"passwd", "group", "localtime", "zoneinfo"} <= kept


def test_minimal_image_saves_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etc", str(MINIMAL), "-f", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["drop"] == []
    assert doc["saving"] == 0


def test_store_path_closure_explains_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etc", str(PATH_INFO)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("closurescope: error: ")
    assert "needs an image or a root filesystem" in err
    assert "Traceback" not in err


def test_unknown_need_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["etc", str(FULL), "--need", "tls,x11"]) == 2
    assert "--need: unknown need x11" in capsys.readouterr().err


def test_stdin_image() -> None:
    # the whole pipeline in a real subprocess, reading the image from standard input
    with FULL.open("rb") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "closurescope", "etc", "-", "-f", "json"],
            stdin=fh,
            capture_output=True,
            check=False,
            cwd=ROOT,
        )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["saving"] == 4842482
