"""several_versions: package names in more than one version, with bytes and why chains."""

from __future__ import annotations

from closurescope.analysis.sizes import compute_sizes
from closurescope.analysis.versions import several_versions

from .graphs import make_graph, store_id

SPEC = {
    "app-1.0": (10, ["curl-8.9.1", "openssl-3.0.14", "python3-3.12.5"]),
    "curl-8.9.1": (100, ["openssl-1.1.1w"]),
    "python3-3.12.5": (1000, ["openssl-3.0.14-bin", "zlib-1.3.1"]),
    "openssl-3.0.14": (500, []),
    "openssl-3.0.14-bin": (50, ["openssl-3.0.14"]),
    "openssl-1.1.1w": (400, []),
    "zlib-1.3.1": (7, []),
    "zlib-1.2.13": (None, []),
    "old-tool-2": (3, ["zlib-1.2.13"]),
    "etc": (1, []),
}


def test_groups_fold_outputs_and_sort_by_waste() -> None:
    graph = make_graph(SPEC, store=True)
    groups = several_versions(graph, compute_sizes(graph))
    assert [g.pname for g in groups] == ["openssl", "zlib"]
    openssl = groups[0]
    assert [v.version for v in openssl.versions] == ["3.0.14", "1.1.1w"]
    assert openssl.versions[0].components == tuple(
        sorted([store_id("openssl-3.0.14"), store_id("openssl-3.0.14-bin")])
    )
    assert openssl.versions[0].bytes == 550
    assert openssl.versions[1].bytes == 400
    assert openssl.wasted == 400
    assert openssl.extra_components == (store_id("openssl-1.1.1w"),)
    chain = openssl.versions[1].chains[store_id("openssl-1.1.1w")]
    assert chain == (store_id("app-1.0"), store_id("curl-8.9.1"), store_id("openssl-1.1.1w"))
    # an unknown size makes the version's bytes unknown and sorts it after the known one
    zlib = groups[1]
    assert [v.version for v in zlib.versions] == ["1.3.1", "1.2.13"]
    assert zlib.versions[1].bytes is None
    assert zlib.wasted is None
    assert zlib.versions[1].chains[store_id("zlib-1.2.13")] == (
        store_id("old-tool-2"),
        store_id("zlib-1.2.13"),
    )


def test_one_version_per_package_gives_nothing() -> None:
    spec = {"a-1": (1, ["b-2", "b-2-dev"]), "b-2": (1, []), "b-2-dev": (1, ["b-2"])}
    graph = make_graph(spec, store=True)
    assert several_versions(graph, compute_sizes(graph)) == []
