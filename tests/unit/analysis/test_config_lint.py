"""CS4xx image config lint, on the real Nix images and on hand-built configs and trees."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from closurescope.analysis.detectors.config_lint import DETECTOR, suggest_key
from closurescope.config import Settings
from closurescope.loaders import load
from closurescope.model import (
    Closure,
    Component,
    ComponentKind,
    DepGraphBuilder,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Finding,
    ImageConfig,
    Layer,
    NodeId,
    Source,
)
from tests.conftest import SAMPLES

IMAGES = SAMPLES / "nix" / "images"


def lint(closure: Closure) -> list[Finding]:
    found, verdicts = DETECTOR.run(closure, {}, Settings())
    assert verdicts == ()
    return list(found)


def ids(findings: list[Finding]) -> list[str]:
    return sorted(f.rule_id for f in findings)


@pytest.fixture(scope="module")
def minimal() -> Closure:
    return load(str(IMAGES / "app-minimal.docker.tar"))


@pytest.fixture(scope="module")
def full() -> Closure:
    return load(str(IMAGES / "app-full.docker.tar"))


def with_env(closure: Closure, *env: str, **changes: Any) -> Closure:
    assert closure.config is not None
    config = dataclasses.replace(closure.config, env=(*closure.config.env, *env), **changes)
    return dataclasses.replace(closure, config=config)


# -- the real samples ----------------------------------------------------------------------


def test_environment_typo_is_cs401_with_did_you_mean() -> None:
    # GIVEN the real image whose config says "Environment" instead of "Env"
    closure = load(str(IMAGES / "app-environment-typo.docker.tar"))
    # WHEN linted
    findings = lint(closure)
    # THEN exactly one finding: the unknown key, with the key that was meant
    assert ids(findings) == ["CS401"]
    (f,) = findings
    assert f.subjects == ("config.Environment",)
    assert "did you mean 'Env'" in f.title
    assert f.fix is not None
    assert "Rename 'Environment' to 'Env'" in f.fix.text


def test_real_images_are_clean(minimal: Closure, full: Closure) -> None:
    assert lint(minimal) == []
    assert lint(full) == []  # LANG with an existing LOCALE_ARCHIVE, PATH entries exist


def test_minimal_image_with_lang_but_no_locale_archive_is_cs403(minimal: Closure) -> None:
    # GIVEN the minimal image (no glibc-locales) with LANG added to its config
    findings = lint(with_env(minimal, "LANG=en_US.UTF-8"))
    # THEN CS403 says there is no locale archive and LOCALE_ARCHIVE is unset
    assert ids(findings) == ["CS403"]
    assert "LANG=en_US.UTF-8 but no locale archive" in findings[0].title
    assert lint(with_env(minimal, "LANG=C.UTF-8")) == []  # built into glibc


def test_locale_archive_pointing_nowhere_is_cs403(full: Closure) -> None:
    findings = lint(with_env(full, "LOCALE_ARCHIVE=/nix/store/nope/lib/locale/locale-archive"))
    assert ids(findings) == ["CS403"]
    assert "points to /nix/store/nope" in findings[0].title


def test_ssl_cert_file_pointing_nowhere_is_cs404(minimal: Closure) -> None:
    findings = lint(with_env(minimal, "SSL_CERT_FILE=/etc/ssl/certs/missing.crt"))
    assert ids(findings) == ["CS404"]
    assert findings[0].subjects == ("Env SSL_CERT_FILE",)


def test_path_entry_missing_is_cs407(minimal: Closure) -> None:
    findings = lint(with_env(minimal, "PATH=/nix/store/x-gone/bin:/bin"))
    assert ids(findings) == ["CS407", "CS407"]
    assert {f.subjects[0] for f in findings} == {"/nix/store/x-gone/bin", "/bin"}


def test_user_by_name_is_checked_against_passwd(full: Closure) -> None:
    assert lint(with_env(full, user="root")) == []
    assert lint(with_env(full, user="1000:1000")) == []
    findings = lint(with_env(full, user="app:app"))
    assert ids(findings) == ["CS408"]
    assert "/etc/passwd does not list it" in findings[0].title


def test_entrypoint_missing_is_cs406(minimal: Closure) -> None:
    findings = lint(with_env(minimal, entrypoint=("/usr/bin/server",)))
    assert ids(findings) == ["CS406"]
    assert "is not in the image" in findings[0].title


# -- hand-built ------------------------------------------------------------------------------


def image(
    entries: list[FileEntry],
    config: dict[str, Any],
    markers: dict[str, frozenset[str]] | None = None,
) -> Closure:
    tree = FileTreeBuilder()
    for entry in entries:
        tree.add(entry)
    graph = DepGraphBuilder()
    graph.add(Component(id=NodeId("layer:0"), kind=ComponentKind.LAYER, name="l0", self_size=1))
    cfg = config.get("config", {})
    return Closure(
        source=Source(path="hand-built", format="test"),
        graph=graph.build(),
        files=tree.build(),
        layers=(Layer(index=0),),
        config=ImageConfig(
            env=tuple(cfg.get("Env") or ()) if isinstance(cfg.get("Env"), list) else (),
            entrypoint=tuple(cfg["Entrypoint"])
            if isinstance(cfg.get("Entrypoint"), list)
            else None,
            user=cfg.get("User") if isinstance(cfg.get("User"), str) else None,
            raw=config,
        ),
        file_markers=markers or {},
    )


APP = FileEntry(path="bin/app", kind=FileKind.FILE, size=10, mode=0o755)


def test_wrong_types_are_cs402() -> None:
    closure = image(
        [APP],
        {
            "config": {
                "Env": "LANG=C",
                "Cmd": "/bin/app --flag",
                "ExposedPorts": ["8080/tcp"],
                "Labels": {"version": 2},
                "User": 0,
            }
        },
    )
    findings = [f for f in lint(closure) if f.rule_id == "CS402"]
    assert sorted(f.subjects[0] for f in findings) == [
        "config.Cmd",
        "config.Env",
        "config.ExposedPorts",
        "config.Labels",
        "config.User",
    ]
    env_items = image([APP], {"config": {"Env": ["LANG=C", "JUSTNAME"]}})
    (f,) = [f for f in lint(env_items) if f.rule_id == "CS402"]
    assert "'JUSTNAME' is not K=V" in f.title


def test_unknown_top_level_and_config_keys() -> None:
    closure = image(
        [APP], {"architecure": "amd64", "config": {"Entrypoints": ["/bin/app"], "Zzz": 1}}
    )
    titles = sorted(f.title for f in lint(closure) if f.rule_id == "CS401")
    assert titles == [
        "unknown image config key architecure; did you mean 'architecture'?",
        "unknown image config key config.Entrypoints; did you mean 'Entrypoint'?",
        "unknown image config key config.Zzz",
    ]


def test_suggest_key() -> None:
    keys = ("Env", "Entrypoint", "Cmd", "WorkingDir", "ExposedPorts")
    assert suggest_key("Environment", keys) == "Env"
    assert suggest_key("env", keys) == "Env"
    assert suggest_key("Entrypoints", keys) == "Entrypoint"
    assert suggest_key("Workdir", keys) == "WorkingDir"
    assert suggest_key("Cmnd", keys) == "Cmd"
    assert suggest_key("Healthz", keys) is None


def test_tls_library_without_ca_bundle_is_cs404() -> None:
    lib = FileEntry(path="usr/lib/libssl.so.3", kind=FileKind.FILE, size=10, mode=0o755)
    findings = lint(image([APP, lib], {"config": {"Entrypoint": ["/bin/app"]}}))
    assert ids(findings) == ["CS404"]
    assert findings[0].evidence == ("usr/lib/libssl.so.3",)
    bundle = FileEntry(path="etc/ssl/certs/ca-certificates.crt", kind=FileKind.FILE, size=9)
    assert lint(image([APP, lib, bundle], {"config": {"Entrypoint": ["/bin/app"]}})) == []


def test_name_lookups_without_services_or_nsswitch_is_cs405() -> None:
    markers = {"bin/app": frozenset({"getaddrinfo", "getservbyname"})}
    config = {"config": {"Entrypoint": ["/bin/app"]}}
    findings = lint(image([APP], config, markers))
    assert sorted(f.subjects[0] for f in findings) == ["etc/nsswitch.conf", "etc/services"]
    assert ids(findings) == ["CS405", "CS405"]
    # libc itself names every lookup: no finding from it alone
    libc = FileEntry(path="lib/libc.so.6", kind=FileKind.FILE, size=10, mode=0o755)
    assert lint(image([APP, libc], config, {"lib/libc.so.6": frozenset({"getaddrinfo"})})) == []


def test_entrypoint_not_executable_and_found_through_path() -> None:
    script = FileEntry(path="usr/bin/run", kind=FileKind.FILE, size=10, mode=0o644)
    closure = image([script], {"config": {"Entrypoint": ["run"], "Env": ["PATH=/usr/bin"]}})
    (f,) = lint(closure)
    assert f.rule_id == "CS406"
    assert "not executable (mode 644)" in f.title
    link = FileEntry(path="bin/app2", kind=FileKind.SYMLINK, link_target="app")
    assert lint(image([APP, link], {"config": {"Entrypoint": ["/bin/app2"]}})) == []


def test_user_without_passwd_is_cs408() -> None:
    (f,) = lint(image([APP], {"config": {"Entrypoint": ["/bin/app"], "User": "web"}}))
    assert f.rule_id == "CS408"
    assert "there is no /etc/passwd" in f.title


@pytest.mark.parametrize(
    ("program", "rules"),
    [("/usr/bin/getent", ["CS405", "CS405"]), ("/usr/bin/openssl", ["CS404"])],
)
def test_real_programs_without_their_etc_files(
    program: str, rules: list[str], tmp_path: Path
) -> None:
    host = Path(program)
    if not host.is_file():
        pytest.skip(f"{program} is not installed here")
    # GIVEN a rootfs with a real program (its real bytes) and an empty /etc
    (tmp_path / "usr" / "bin").mkdir(parents=True)
    (tmp_path / "etc").mkdir()
    target = tmp_path / "usr" / "bin" / host.name
    target.write_bytes(host.read_bytes())
    target.chmod(0o755)
    # WHEN linted THEN the name lookups / TLS use found in its bytes are reported
    assert ids(lint(load(str(tmp_path)))) == rules
