"""``nix:/nix/store/…``: the live loader runs the real ``nix path-info``.

The store is a throw-away chroot store (``NIX_REMOTE=local?root=…``) built by
``nix_data/make.sh``; the default /nix/store is never touched.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import by_name, load, split_spec
from closurescope.loaders.nix_live import NIX_MISSING, path_info_command
from closurescope.model import NodeId

DATA = Path(__file__).parent / "nix_data"
HAVE_NIX = shutil.which("nix") is not None and shutil.which("nix-build") is not None


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(outputs dir, store root, app root path) of a fresh build of nix_data/closure.nix."""
    if not HAVE_NIX or shutil.which("busybox") is None:
        pytest.skip("nix and busybox are needed")
    base = tmp_path_factory.mktemp("nixlive")
    out, root = base / "out", base / "store"
    subprocess.run(["bash", str(DATA / "make.sh"), str(out), str(root)], check=True)
    return out, root, (out / "root").read_text().strip()


@pytest.fixture
def nix_env(built: tuple[Path, Path, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    _, root, app = built
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "nix.conf").write_text("substituters =\nsandbox = false\nbuild-users-group =\n")
    monkeypatch.setenv("NIX_REMOTE", f"local?root={root}")
    monkeypatch.setenv("NIX_CONF_DIR", str(conf))
    monkeypatch.setenv("NIX_USER_CONF_FILES", "")
    return app


@pytest.mark.needs_nix
def test_live_closure_equals_saved_path_info(nix_env: str, built: tuple[Path, Path, str]) -> None:
    out, _, app = built
    closure = load(f"nix:{app}")
    assert closure.source.format == "nix"
    assert closure.source.path == app
    assert closure.graph.roots == (app,)
    saved = {i["path"]: i for i in json.loads((out / "path-info-S.json").read_text())}
    assert sorted(closure.graph) == sorted(saved)
    for path, item in saved.items():
        comp = closure.graph.component(NodeId(path))
        assert comp.self_size == item["narSize"]
        assert comp.reported_closure_size == item["closureSize"]
        assert comp.nar_hash == item["narHash"]
        assert list(closure.graph.references(NodeId(path))) == sorted(
            set(item["references"]) - {path}
        )


@pytest.mark.needs_nix
def test_fresh_build_has_the_committed_shape(built: tuple[Path, Path, str]) -> None:
    """The committed nix_data is what make.sh makes (same names, sizes of the toFile paths)."""
    out, _, _ = built
    fresh = load(str(out / "path-info-S.json")).graph
    saved = load(str(DATA / "path-info-S.json")).graph
    assert sorted(c.name for c in fresh.components.values()) == sorted(
        c.name for c in saved.components.values()
    )
    assert fresh.edge_count() == saved.edge_count()


@pytest.mark.needs_nix
def test_nix_failure_gives_its_first_error_line(nix_env: str) -> None:
    gone = nix_env[: -len("-bin")] + "-gone"
    with pytest.raises(LoadError) as info:
        load(f"nix:{gone}")
    message = str(info.value)
    assert message.startswith(f"{gone}: nix path-info failed (exit 1): error: ")
    assert "is not valid" in message
    assert "\n" not in message


def test_missing_nix_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    path = "/nix/store/7wjvd22jf2jsa677lkwkxykz037pw4ia-liba-1.0"
    with pytest.raises(LoadError) as info:
        load(f"nix:{path}")
    assert str(info.value) == f"{path}: {NIX_MISSING}"
    assert "apt-get install nix-bin" in str(info.value)


def test_command_line() -> None:
    cmd = path_info_command("nix", "/nix/store/x")
    assert cmd[:3] == ["nix", "--extra-experimental-features", "nix-command"]
    assert {"path-info", "--json", "--recursive", "--closure-size"} <= set(cmd)
    assert cmd[-1] == "/nix/store/x"


def test_routing_and_detection() -> None:
    """``FORMAT:path`` prefixes route to the Nix loaders; plain paths are detected."""
    dot = str(DATA / "graph.dot")
    assert split_spec(f"nix-dot:{dot}") == ("nix-dot", dot)
    assert split_spec("nix:/nix/store/abc-x") == ("nix", "/nix/store/abc-x")
    assert split_spec(dot) == (None, dot)
    assert load(f"nix-dot:{dot}").source.format == "nix-dot"
    assert by_name("nix").virtual
    assert not by_name("nix").autodetect
    expected = {
        "path-info.json": "nix-path-info",
        "path-info-S.json": "nix-path-info",
        "graph.dot": "nix-dot",
        "dump-db": "nix-registration",
        "export-references-graph": "nix-registration",
        "db.sqlite": "nix-db",
    }
    for name, fmt in expected.items():
        assert load(str(DATA / name)).source.format == fmt, name
    for name in ("nix-path-info", "nix-dot", "nix-registration", "nix-db", "nix"):
        assert by_name(name).description


@pytest.mark.needs_nix
def test_every_format_at_scale_against_nix(nix_env: str, tmp_path: Path) -> None:
    """200 real store paths: each loader gives exactly what Nix says (sizes, references)."""
    top = (
        subprocess.run(
            [
                "nix-instantiate",
                "--read-write-mode",
                "--eval",
                "-E",
                f"import {DATA}/many.nix {{ n = 200; }}",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .strip('"')
    )

    def nix(*args: str) -> str:
        if args[0] == "nix":
            args = ("nix", "--extra-experimental-features", "nix-command", *args[1:])
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    truth = {}
    for line in nix("nix", "path-info", "-rsS", top).splitlines():
        path, nar, closure_size = line.split()
        truth[path] = (int(nar), int(closure_size))
    assert len(truth) == 200
    raw = nix("nix", "path-info", "--json", "-r", top)
    refs = {i["path"]: set(i["references"]) - {i["path"]} for i in json.loads(raw)}
    files = {
        "path-info.json": raw,
        "graph.dot": nix("nix-store", "-q", "--graph", top),
        "dump-db": nix("nix-store", "--dump-db", *sorted(truth)),
    }
    specs = [f"nix:{top}"]
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        specs.append(str(tmp_path / name))
    for spec in specs:
        graph = load(spec).graph
        assert sorted(graph) == sorted(truth), spec
        assert graph.roots == (top,), spec
        for path, (nar, closure_size) in truth.items():
            comp = graph.component(NodeId(path))
            assert comp.self_size in (nar, None), spec
            assert set(graph.references(NodeId(path))) == refs[path], spec
            if spec.startswith("nix:"):
                assert comp.reported_closure_size == closure_size
        assert graph.edge_count() == sum(len(r) for r in refs.values())
