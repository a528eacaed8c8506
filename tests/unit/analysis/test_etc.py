"""The /etc subset: needs from markers, keep/drop/runtime, the graph saving, the fix."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from closurescope.analysis import analyze
from closurescope.analysis.detectors.etc_rules import etc_finding
from closurescope.analysis.etc import EtcSuggestion, parse_needs, suggest_etc
from closurescope.analysis.sizes import compute_sizes
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
    ImageConfig,
    NodeId,
    Severity,
    Source,
)
from tests.conftest import SAMPLES

NIX = SAMPLES / "nix"
IMAGES = NIX / "images"


def closure_size(path_info: Path, root_suffix: str) -> int:
    """closureSize of the root as Nix reported it (``nix path-info --json -r -S``, Nix 2.8)."""
    rows = json.loads(path_info.read_text())
    (row,) = [r for r in rows if r["path"].endswith(root_suffix)]
    return int(row["closureSize"])


@pytest.fixture(scope="module")
def full() -> Closure:
    return load(str(IMAGES / "app-full.docker.tar"))


def suggest(closure: Closure, settings: Settings | None = None) -> EtcSuggestion:
    return suggest_etc(closure, compute_sizes(closure.graph), settings or Settings())


# -- the real sample: the accuracy bar of issue 5 ------------------------------------------


def test_full_image_keeps_exactly_what_the_app_needs(full: Closure) -> None:
    s = suggest(full)
    assert [e.name for e in s.keep] == ["nsswitch.conf", "protocols", "services", "ssl"]
    assert [e.name for e in s.runtime] == ["hosts", "resolv.conf"]
    assert s.needs == ("dns", "tls")
    assert {e.name for e in s.drop} == {
        "group",
        "locale.conf",
        "localtime",
        "mtab",
        "passwd",
        "perl",
        "pki",
        "profile",
        "set-environment",
        "shells",
        "systemd",
        "zoneinfo",
    }


def test_full_image_saving_is_within_5_percent_of_nix(full: Closure) -> None:
    # GIVEN Nix's own closure sizes of the two builds of the story
    truth = closure_size(
        NIX / "app-image-root-full.path-info-S.json", "-app-image-root-full"
    ) - closure_size(NIX / "app-image-root-minimal.path-info-S.json", "-app-image-root-minimal")
    assert truth == 4_847_760
    # WHEN the saving is estimated on the image's graph
    s = suggest(full)
    # THEN it is within 5 % (it is 0.11 % off: 4,842,482 bytes)
    assert s.saving is not None
    assert abs(s.saving - truth) <= 0.05 * truth
    assert s.saving == 4_842_482
    assert sorted(full.graph.component(n).name for n in s.removed) == [
        "bash-5.2-p26",
        "coreutils-9.4",
        "glibc-locales-2.39",
        "perl-5.38.2",
        "systemd-255",
        "tzdata-2024a",
        "util-linux-2.39",
    ]


def test_evidence_names_the_program_and_the_marker(full: Closure) -> None:
    s = suggest(full)
    by_name = {e.name: e for e in s.keep}
    app = s.programs[0]
    assert app.endswith("-hello-server-1.0/bin/hello-server")
    assert any(
        ev.source == app and ev.marker == "getservbyname" for ev in by_name["services"].evidence
    )
    assert any(ev.marker == "SSL_CTX_new" for ev in by_name["ssl"].evidence)
    # libc's markers back the entry up but never make a need on their own
    assert any(ev.source.endswith("/lib/libc.so.6") for ev in by_name["protocols"].evidence)
    assert "users" not in s.needs
    assert "tz" not in s.needs


def test_drop_entries_say_what_they_drag_in(full: Closure) -> None:
    s = suggest(full)
    drop = {e.name: e for e in s.drop}
    names = {n: [full.graph.component(d).name for d in e.drags] for n, e in drop.items()}
    assert names["perl"] == ["perl-5.38.2"]
    assert "glibc-locales-2.39" in names["set-environment"]
    assert names["zoneinfo"] == ["tzdata-2024a"]
    assert names["pki"] == []  # cacert stays: /etc/ssl is kept
    perl = full.graph.component(drop["perl"].drags[0]).self_size
    assert drop["perl"].drag_bytes == perl


def test_fix_snippets_and_providers(full: Closure) -> None:
    s = suggest(full)
    assert "rsync -aR etc/{nsswitch.conf,protocols,services,ssl} $out/" in s.snippets["nix"]
    assert "pkgs.runCommand" in s.snippets["nix"]
    assert "-etc)" in s.snippets["nix"]  # names the etc store path the image copies
    assert "COPY --from=full /etc/ssl /etc/ssl" in s.snippets["dockerfile"]
    provs = {p.attr: p for p in s.providers}
    assert provs["iana-etc"].provides == ("services", "protocols")
    assert provs["iana-etc"].closure_size == 12440  # narSize of iana-etc in path-info
    assert provs["cacert"].closure_size == 207560
    assert provs["dockerTools.fakeNss"].closure_size is None  # not in this closure


def test_minimal_image_has_nothing_to_drop() -> None:
    closure = load(str(IMAGES / "app-minimal.docker.tar"))
    s = suggest(closure)
    assert [e.name for e in s.keep] == ["nsswitch.conf", "protocols", "services", "ssl"]
    assert s.drop == ()
    assert s.saving == 0
    assert etc_finding(s, Severity.WARNING) is None


def test_app_with_locale_and_tz_needs_keeps_their_packages(full: Closure) -> None:
    # GIVEN coreutils (setlocale, /etc/localtime) named through one of its symlinks
    assert full.files is not None
    ls = next(p for p in full.files.entries if p.endswith("-coreutils-9.4/bin/ls"))
    s = suggest(full, Settings(apps=("/" + ls,)))
    # THEN the program is resolved through the link, and tz/locale entries are kept
    assert s.programs == (ls.rsplit("/", 1)[0] + "/coreutils",)
    assert {"locale", "tz"} <= set(s.needs)
    kept = {e.name for e in s.keep}
    assert {"localtime", "zoneinfo", "locale.conf"} <= kept
    removed = {full.graph.component(n).name for n in s.removed}
    assert "glibc-locales-2.39" not in removed
    assert "tzdata-2024a" not in removed
    assert "coreutils-9.4" not in removed


def test_need_flag_adds_needs(full: Closure) -> None:
    s = suggest(full, Settings(needs=parse_needs("users,tz")))
    kept = {e.name for e in s.keep}
    assert {"passwd", "group", "localtime", "zoneinfo"} <= kept
    ev = s.need_evidence["users"]
    assert any(x.source == "--need" for x in ev)


def test_parse_needs_rejects_unknown() -> None:
    assert parse_needs(" TLS, dns ,") == {"tls", "dns"}
    with pytest.raises(ValueError, match="unknown need x11"):
        parse_needs("tls,x11")


def test_store_path_closure_is_explained() -> None:
    closure = load(str(NIX / "app-image-root-full.path-info-S.json"))
    s = suggest(closure)
    assert not s.applicable
    assert "needs an image or a root filesystem" in s.reason
    assert "4iizjw4qcaf412g97qn4pyza1cbgwwcj-etc" in s.reason


def test_analyze_puts_the_suggestion_in_metrics_and_a_finding(full: Closure) -> None:
    result = analyze(full)
    etc = result.metrics["etc"]
    assert [k["path"] for k in etc["keep"]] == [
        "etc/nsswitch.conf",
        "etc/protocols",
        "etc/services",
        "etc/ssl",
    ]
    assert etc["saving"] == 4_842_482
    json.dumps(etc, sort_keys=True)  # JSON-ready
    (finding,) = [f for f in result.findings if f.rule_id == "CS501"]
    assert finding.saving == etc["saving"]
    assert finding.reclaims == frozenset(etc["removed"])
    assert finding.fix is not None
    assert finding.fix.snippet_lang == "nix"
    assert "rsync -aR" in (finding.fix.snippet or "")


def test_suggestion_is_deterministic(full: Closure) -> None:
    a = json.dumps(suggest(full).to_json(), sort_keys=True)
    b = json.dumps(suggest(full).to_json(), sort_keys=True)
    assert a == b


# -- hand-built trees and graphs -----------------------------------------------------------


def _f(path: str, size: int, comp: str, mode: int = 0o644) -> FileEntry:
    return FileEntry(path=path, kind=FileKind.FILE, size=size, mode=mode, component=comp)


def _l(path: str, target: str, comp: str) -> FileEntry:
    return FileEntry(path=path, kind=FileKind.SYMLINK, link_target=target, component=comp)


def hand_built(markers: dict[str, frozenset[str]] | None = None) -> Closure:
    """A distro-like image: app → libc6; /etc with passwd, X11 (→ fonts), localtime (→ tzdata)."""
    tree = FileTreeBuilder()
    for entry in (
        _f("bin/app", 1000, "deb:app", 0o755),
        _f("lib/libc.so.6", 2000, "deb:libc6", 0o755),
        _f("etc/passwd", 100, "deb:base-passwd"),
        _f("etc/group", 50, "deb:base-passwd"),
        _f("etc/X11/xorg.conf", 300, "dir:etc"),
        _l("etc/X11/fonts", "/usr/share/fonts/x", "dir:etc"),
        _f("usr/share/fonts/x", 5000, "deb:fonts"),
        _f("etc/hosts", 20, "dir:etc"),
        _l("etc/localtime", "/usr/share/zoneinfo/UTC", "dir:etc"),
        _f("usr/share/zoneinfo/UTC", 118, "deb:tzdata"),
    ):
        tree.add(entry)
    sizes = {
        "deb:app": 1000,
        "deb:libc6": 2000,
        "deb:base-passwd": 150,
        "dir:etc": 320,
        "deb:fonts": 5000,
        "deb:tzdata": 118,
    }
    graph = DepGraphBuilder()
    for node, size in sizes.items():
        kind = ComponentKind.DIRECTORY if node.startswith("dir:") else ComponentKind.PACKAGE
        graph.add(Component(id=NodeId(node), kind=kind, name=node.split(":")[1], self_size=size))
    graph.add_reference(NodeId("deb:app"), NodeId("deb:libc6"))
    graph.add_reference(NodeId("dir:etc"), NodeId("deb:fonts"), ["etc/X11/fonts"])
    graph.add_reference(NodeId("dir:etc"), NodeId("deb:tzdata"), ["etc/localtime"])
    return Closure(
        source=Source(path="hand-built", format="test"),
        graph=graph.build(),
        files=tree.build(),
        config=ImageConfig(entrypoint=("/bin/app",)),
        file_markers=markers
        if markers is not None
        else {
            "bin/app": frozenset({"getpwnam"}),
            "lib/libc.so.6": frozenset({"/etc/localtime", "/etc/passwd", "tzset", "getpwnam"}),
        },
    )


def test_hand_built_keep_drop_and_exact_saving() -> None:
    s = suggest(hand_built())
    assert s.needs == ("users",)
    assert [e.name for e in s.keep] == ["group", "passwd"]
    assert [e.name for e in s.runtime] == ["hosts"]
    assert [e.name for e in s.drop] == ["X11", "localtime"]
    # fonts (5000) + tzdata (118) leave the closure, plus the dropped bytes of /etc itself:
    # X11/xorg.conf (300) and the runtime-provided hosts (20)
    assert s.size_before == 8588
    assert s.saving == 5000 + 118 + 300 + 20
    assert s.removed == ("deb:fonts", "deb:tzdata")
    x11 = s.drop[0]
    assert x11.references == ("deb:fonts",)
    assert x11.drags == ("deb:fonts",)
    assert x11.drag_bytes == 5300
    assert any("nsswitch.conf" in n for n in s.notes)  # users needs it; the image has none


def test_hand_built_tz_need_keeps_localtime_and_tzdata() -> None:
    s = suggest(hand_built(), Settings(needs=frozenset({"tz"})))
    assert {e.name for e in s.keep} == {"group", "passwd", "localtime"}
    assert s.removed == ("deb:fonts",)
    assert s.saving == 5000 + 300 + 20


def test_hand_built_without_program_markers_keeps_nothing_but_no_finding() -> None:
    closure = hand_built(markers={})
    closure = dataclasses.replace(closure, config=ImageConfig())
    s = suggest(closure)
    assert s.programs == ()
    assert s.keep == ()
    assert any("no Entrypoint/Cmd" in n for n in s.notes)
    assert etc_finding(s, Severity.WARNING) is None  # no program: no claim


def test_missing_app_is_noted() -> None:
    s = suggest(hand_built(), Settings(apps=("/usr/bin/nope",)))
    assert s.programs == ()
    assert any("/usr/bin/nope is not in the image" in n for n in s.notes)


def test_etc_linked_into_the_store_nixos_style() -> None:
    # GIVEN /etc -> /nix/store/…-etc/etc (as on NixOS), whose entries link into packages
    etc_sp, iana, perl, app = (
        "/nix/store/" + "a" * 32 + "-etc",
        "/nix/store/" + "b" * 32 + "-iana-etc-1",
        "/nix/store/" + "c" * 32 + "-perl-5",
        "/nix/store/" + "d" * 32 + "-app-1",
    )
    tree = FileTreeBuilder()
    for entry in (
        _l("etc", etc_sp + "/etc", "dir:etc"),
        _l(etc_sp[1:] + "/etc/services", iana + "/etc/services", etc_sp),
        _l(etc_sp[1:] + "/etc/perl", perl + "/etc/perl", etc_sp),
        _f(iana[1:] + "/etc/services", 700, iana),
        _f(perl[1:] + "/etc/perl/x.pl", 900, perl),
        _f(app[1:] + "/bin/app", 300, app, 0o755),
    ):
        tree.add(entry)
    graph = DepGraphBuilder()
    for node, size in (("dir:etc", 0), (etc_sp, 40), (iana, 700), (perl, 900), (app, 300)):
        kind = ComponentKind.DIRECTORY if node == "dir:etc" else ComponentKind.STORE_PATH
        graph.add(
            Component(id=NodeId(node), kind=kind, name=node.rsplit("-", 2)[0], self_size=size)
        )
    graph.add_reference(NodeId("dir:etc"), NodeId(etc_sp), ["etc"])
    graph.add_reference(NodeId(etc_sp), NodeId(iana), [etc_sp[1:] + "/etc/services"])
    graph.add_reference(NodeId(etc_sp), NodeId(perl), [etc_sp[1:] + "/etc/perl"])
    closure = Closure(
        source=Source(path="hand-built", format="test"),
        graph=graph.build(),
        files=tree.build(),
        config=ImageConfig(entrypoint=(f"{app}/bin/app",)),
        file_markers={app[1:] + "/bin/app": frozenset({"getservbyname"})},
    )
    # WHEN suggested
    s = suggest(closure)
    # THEN the store path is the etc tree: services kept, perl dropped with its package
    assert [e.name for e in s.keep] == ["services"]
    assert [e.name for e in s.drop] == ["perl"]
    assert s.etc_store_paths == (etc_sp,)
    assert s.removed == (perl,)
    assert s.saving == 900
    assert "(/etc is a link to /" in s.snippets["shell"]


# -- real ELF programs of this machine in a rootfs -----------------------------------------

HOST_PROGRAMS = {
    # program: (needs its real bytes show, entries kept from the rootfs below)
    "/usr/bin/date": (("locale", "tz"), ["localtime"]),
    "/usr/bin/id": (("locale", "users"), ["group", "nsswitch.conf", "passwd"]),
    "/usr/bin/getent": (
        ("dns", "locale", "users"),
        ["group", "nsswitch.conf", "passwd", "services"],
    ),
}


@pytest.mark.parametrize("program", sorted(HOST_PROGRAMS))
def test_real_programs_in_a_rootfs(program: str, tmp_path: Path) -> None:
    host = Path(program)
    if not host.is_file():
        pytest.skip(f"{program} is not installed here")
    # GIVEN a Debian-like rootfs holding a real program and a fat /etc
    root = tmp_path / "root"
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / host.name).write_bytes(host.read_bytes())
    (root / "usr" / "bin" / host.name).chmod(0o755)
    (root / "usr" / "share" / "zoneinfo").mkdir(parents=True)
    (root / "usr" / "share" / "zoneinfo" / "UTC").write_bytes(b"TZif2" + bytes(100))
    etc = root / "etc"
    (etc / "X11").mkdir(parents=True)
    (etc / "X11" / "xorg.conf").write_text('Section "Device"\nEndSection\n')
    (etc / "ssl" / "certs").mkdir(parents=True)
    (etc / "ssl" / "certs" / "ca-certificates.crt").write_text("-----BEGIN CERTIFICATE-----\n")
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\n")
    (etc / "services").write_text("https 443/tcp\n")
    (etc / "nsswitch.conf").write_text("hosts: files dns\n")
    (etc / "hosts").write_text("127.0.0.1 localhost\n")
    (etc / "localtime").symlink_to("/usr/share/zoneinfo/UTC")
    closure = load(str(root))
    # WHEN the program is named with --app
    s = suggest(closure, Settings(apps=(program,)))
    # THEN its real bytes decide: needs and kept entries
    needs, kept = HOST_PROGRAMS[program]
    assert s.programs == (program.lstrip("/"),)
    assert s.needs == needs
    assert [e.name for e in s.keep] == kept
    assert [e.name for e in s.runtime] == ["hosts"]
    assert "X11" in {e.name for e in s.drop}
    dropped_bytes = sum(e.size for e in s.drop) + sum(e.size for e in s.runtime)
    assert s.saving == dropped_bytes  # a rootfs graph has no packages to drop: file bytes only
