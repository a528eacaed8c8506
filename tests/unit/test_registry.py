"""The registries are complete: unique names and ids, a docs entry for every rule, a sample and a
formats-page section for every loader, a reporter for every documented format."""

from __future__ import annotations

import re
from pathlib import Path

from closurescope.analysis.detectors import detectors, rules
from closurescope.loaders import registry
from closurescope.report import reporters

ROOT = Path(__file__).resolve().parent.parent.parent
RULES_MD = (ROOT / "docs" / "reference" / "rules.md").read_text()
FORMATS_MD = (ROOT / "docs" / "reference" / "formats.md").read_text()


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for d in detectors() for rule in d.rules]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"CS[1-5][0-9]{2}", i) for i in rules())


def test_every_rule_has_a_docs_section_with_its_name() -> None:
    for rule in rules().values():
        assert f"### {rule.id} {rule.name}" in RULES_MD, rule.id


def test_every_documented_rule_exists() -> None:
    documented = set(re.findall(r"^### (CS[0-9]{3}) ", RULES_MD, re.MULTILINE))
    assert documented == set(rules())


def test_loader_names_unique_and_described() -> None:
    names = [loader.name for loader in registry.LOADERS]
    assert len(names) == len(set(names))
    for loader in registry.LOADERS:
        assert loader.description
        assert f"`{loader.name}`" in FORMATS_MD, loader.name


def test_every_loader_has_a_committed_sample() -> None:
    samples = ROOT / "sample-closures"
    expected = {
        "docker-archive": samples / "images" / "image.docker.tar",
        "oci": samples / "images" / "image-oci",
        "oci-archive": samples / "images" / "image.oci-archive.tar",
        "nix-path-info": samples / "nix" / "app-image-root-full.path-info-S.json",
        "nix-dot": samples / "nix" / "app-image-root-full.graph.dot",
        "nix-registration": samples / "nix" / "app-image-root-full.registration",
        "nix-db": samples / "nix" / "nix-db.sqlite",
        "nix": samples / "nix" / "roots.txt",  # live: the store paths to ask for
        "rootfs": samples / "distro" / "alpine-3.19-hand",
        "rootfs-tar": ROOT.parent / "shared" / "corpus" / "dive" / "test-uncompressed-image.tar",
    }
    assert set(expected) == {loader.name for loader in registry.LOADERS}
    for name, path in expected.items():
        if name == "rootfs-tar" and not path.parent.is_dir():
            continue
        assert path.exists(), (name, path)


def test_reporters() -> None:
    assert set(reporters()) == {"table", "markdown", "json", "sarif", "junit", "github"}
