"""Every loadable sample: the committed ones under sample-closures/ and dive's test images."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample-closures"
DIVE = ROOT.parent / "shared" / "corpus" / "dive"
PATTERNS = (
    "nix/*.path-info*.json",
    "nix/*.closure-attrs.json",
    "nix/*.graph.dot",
    "nix/*.registration",
    "nix/*.references-graph",
    "nix/*.dump-db.txt",
    "nix/nix-db.sqlite",
    "nix/images/*.tar",
    "images/*.tar",
    "images/*/oci-layout",
    "distro/*-minbase",
    "distro/*-hand",
)


def all_samples() -> list[Path]:
    """Sorted sample paths (an OCI layout is its directory)."""
    found = {p for pattern in PATTERNS for p in SAMPLES.glob(pattern)}
    found = {p.parent if p.name == "oci-layout" else p for p in found}
    if DIVE.is_dir():
        found |= set(DIVE.glob("test-*-image.tar"))
    return sorted(found)


def sample_id(path: Path) -> str:
    """A short test id for a sample."""
    return str(path.relative_to(SAMPLES)) if path.is_relative_to(SAMPLES) else path.name
