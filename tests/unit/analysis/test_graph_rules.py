"""The CS1xx detector on literal closures, and through analyze()."""

from __future__ import annotations

from closurescope.analysis import analyze
from closurescope.analysis.detectors import rules
from closurescope.analysis.detectors.graph_rules import DETECTOR, is_build_time
from closurescope.analysis.sizes import compute_sizes
from closurescope.config import Budgets, Settings
from closurescope.model import (
    Closure,
    DepGraph,
    FileEntry,
    FileKind,
    FileTreeBuilder,
    Source,
    Status,
)

from .graphs import make_graph, store_id

SPEC = {
    "app-1.0": (10, ["python3-3.12.5", "gcc-13.3.0-lib", "curl-8.9.1"]),
    "python3-3.12.5": (1000, ["openssl-3.0.14", "gcc-13.3.0-lib"]),
    "curl-8.9.1": (100, ["openssl-1.1.1w", "openssl-1.1.1w-dev"]),
    "openssl-1.1.1w-dev": (60, ["openssl-1.1.1w", "perl-5.40.0"]),
    "perl-5.40.0": (5000, []),
    "openssl-3.0.14": (500, []),
    "openssl-1.1.1w": (400, []),
    "gcc-13.3.0-lib": (300, []),
}


def closure_of(graph: DepGraph) -> Closure:
    return Closure(source=Source(path="test", format="test"), graph=graph)


def run(settings: Settings) -> tuple[list, list]:  # type: ignore[type-arg]
    graph = make_graph(SPEC, store=True)
    found, verdicts = DETECTOR.run(closure_of(graph), compute_sizes(graph), settings)
    return list(found), list(verdicts)


def test_budgets_pass_and_fail_inclusively() -> None:
    total = sum(size for size, _ in SPEC.values() if size is not None)
    found, verdicts = run(Settings(budgets=Budgets(closure_size=total)))
    assert [(v.rule_id, v.status) for v in verdicts] == [("CS101", Status.PASS)]
    assert not [f for f in found if f.rule_id == "CS101"]
    found, verdicts = run(Settings(budgets=Budgets(closure_size=total - 1, component_size=5500)))
    assert [(v.rule_id, v.status) for v in verdicts] == [
        ("CS101", Status.FAIL),
        ("CS102", Status.FAIL),
    ]
    cs101 = [f for f in found if f.rule_id == "CS101"]
    assert len(cs101) == 1
    assert cs101[0].evidence[0] == "curl-8.9.1: added 5.4 KiB, closure 5.4 KiB"
    assert cs101[0].evidence[1] == "openssl-1.1.1w-dev: added 4.9 KiB, closure 5.3 KiB"
    assert cs101[0].evidence[2] == "perl-5.40.0: added 4.9 KiB, closure 4.9 KiB"
    over = sorted(f.subjects[0] for f in found if f.rule_id == "CS102")
    # curl: 100+400+60+5000 = 5560; app: everything = 7370; dev: 5460 stays under
    assert over == sorted([store_id("app-1.0"), store_id("curl-8.9.1")])
    found, verdicts = run(Settings())
    assert verdicts == []


def test_several_versions_finding() -> None:
    found, _ = run(Settings())
    (cs103,) = [f for f in found if f.rule_id == "CS103"]
    assert cs103.saving == 460  # openssl 1.1.1w + its -dev output; 3.0.14 (500) is kept
    assert cs103.reclaims == {store_id("openssl-1.1.1w"), store_id("openssl-1.1.1w-dev")}
    assert "curl-8.9.1 → openssl-1.1.1w" in cs103.fix.text if cs103.fix else False


def test_build_time_and_forbidden_use_added_size_and_dominated_set() -> None:
    found, _ = run(Settings(forbidden=("perl",)))
    (cs105,) = [f for f in found if f.rule_id == "CS105"]
    assert cs105.subjects == (store_id("openssl-1.1.1w-dev"),)
    assert cs105.saving == 5060  # the -dev output and perl, which only it references
    assert cs105.reclaims == {store_id("openssl-1.1.1w-dev"), store_id("perl-5.40.0")}
    assert cs105.evidence[0] == "why: app-1.0 → curl-8.9.1 → openssl-1.1.1w-dev"
    (cs104,) = [f for f in found if f.rule_id == "CS104"]
    assert cs104.subjects == (store_id("perl-5.40.0"),)
    assert cs104.saving == 5000
    assert cs104.fix is not None
    assert cs104.fix.snippet == "disallowedReferences = [ pkgs.perl ];"


def test_is_build_time() -> None:
    yes = ["gcc-13.3.0", "gcc-wrapper-13.3.0", "glibc-2.39-52-dev", "linux-headers-6.6",
           "binutils-2.42", "cmake-3.29.6", "zlib-1.3.1-static", "libc6-dev", "cpp-12"]  # fmt: skip
    no = ["gcc-13.3.0-lib", "gcc-13.3.0-libgcc", "gcc-12-base", "libgcc-s1", "glibc-2.39-52",
          "libtool-2.4.7-lib", "python3-3.12.5", "openssl-3.0.14-bin", "dev-tools-1"]  # fmt: skip
    assert [n for n in yes if not is_build_time(n)] == []
    assert [n for n in no if is_build_time(n)] == []


def test_analyze_reports_every_graph_rule() -> None:
    graph = make_graph(SPEC, store=True)
    result = analyze(closure_of(graph), Settings(disabled_rules=frozenset({"CS105"})))
    verdicts = {r.rule_id: r.status for r in result.rule_results if r.rule_id.startswith("CS1")}
    assert verdicts == {
        "CS101": Status.SKIP,  # no budget set
        "CS102": Status.SKIP,
        "CS103": Status.FAIL,
        "CS104": Status.SKIP,  # no forbidden list
        "CS105": Status.SKIP,  # disabled
    }
    assert not [f for f in result.findings if f.rule_id == "CS105"]
    assert {"CS101", "CS102", "CS103", "CS104", "CS105"} <= set(rules())


def test_findings_do_not_depend_on_insertion_order() -> None:
    settings = Settings(forbidden=("perl*",), budgets=Budgets(closure_size=1, component_size=1))
    baseline = None
    names = list(SPEC)
    for shift in range(len(names)):
        order = names[shift:] + names[:shift]
        graph = make_graph(SPEC, store=True, order=order[::-1] if shift % 2 else order)
        found, verdicts = DETECTOR.run(closure_of(graph), compute_sizes(graph), settings)
        got = (list(found), list(verdicts))
        if baseline is None:
            baseline = got
        assert got == baseline


def test_static_libraries_in_runtime_components() -> None:
    graph = make_graph(SPEC, store=True)
    zlib_like = store_id("openssl-3.0.14")
    dev = store_id("openssl-1.1.1w-dev")
    files = FileTreeBuilder()
    for path, size, owner in [
        (f"{zlib_like[1:]}/lib/libcrypto.a", 4000, zlib_like),
        (f"{zlib_like[1:]}/lib/libssl.a", 1000, zlib_like),
        (f"{zlib_like[1:]}/lib/libssl.so.3", 9000, zlib_like),
        (f"{dev[1:]}/lib/libssl.a", 800, dev),  # the -dev output is already a finding
        ("usr/lib/libextra.a", 70, None),
        ("usr/share/data.a", 5, None),  # not a static library name
    ]:
        files.add(FileEntry(path=path, kind=FileKind.FILE, size=size, component=owner))
    closure = Closure(source=Source(path="t", format="t"), graph=graph, files=files.build())
    found, _ = DETECTOR.run(closure, compute_sizes(graph), Settings())
    static = sorted((f for f in found if f.rule_id == "CS105" and f.subjects[0].endswith(".a")),
                    key=lambda f: f.title)  # fmt: skip
    assert [f.title for f in static] == [
        "1 static library (70 Bytes) in the image",
        "2 static libraries (4.9 KiB) in openssl-3.0.14",
    ]
    assert static[1].saving == 5000
    assert static[1].reclaims == {
        f"{zlib_like[1:]}/lib/libcrypto.a",
        f"{zlib_like[1:]}/lib/libssl.a",
    }
    disabled = DETECTOR.run(
        closure, compute_sizes(graph), Settings(disabled_rules=frozenset({"CS105"}))
    )
    assert not [f for f in disabled[0] if f.rule_id == "CS105"]
