"""Generate a realistic synthetic Nix closure as ``nix path-info --json`` (Nix ≤2.18 list shape).

Shape of a NixOS system closure: a few very popular paths (glibc, bash, coreutils…) referenced by
almost everything (preferential attachment gives power-law in-degrees), log-normal NAR sizes
(median ~150 KiB, a long tail of 100 MiB+ paths), output suffixes (``-bin``, ``-dev``, ``-lib``,
``-man``), a few packages present in two versions, self-references as Nix writes them, and one
root (``nixos-system-…``) above a ``system-path`` that references every otherwise unreferenced
path. The seed is fixed, so the same arguments always give the same bytes.

    python benchmarks/gen_closure.py --paths 12000 --refs 150000 -o /tmp/closure-12k.json
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import random
import sys
from pathlib import Path

NIX32 = "0123456789abcdfghijklmnpqrsvwxyz"
POPULAR = [
    "glibc-2.39-52",
    "bash-5.2p32",
    "coreutils-9.5",
    "zlib-1.3.1",
    "gcc-13.3.0-lib",
    "openssl-3.0.14",
    "ncurses-6.4",
    "libffi-3.4.6",
    "xz-5.6.2",
    "bzip2-1.0.8",
    "systemd-256.7",
    "python3-3.12.5",
    "perl-5.40.0",
    "util-linux-2.39.4-lib",
    "libxml2-2.13.3",
    "curl-8.9.1",
    "expat-2.6.3",
    "acl-2.3.2",
    "attr-2.5.2",
    "libcap-2.70-lib",
]
STEMS = [
    "lib", "py", "perl", "font", "gst", "x", "gtk", "kde", "node", "rust", "go", "hs", "ocaml",
    "qt", "gnome", "xorg", "haskell", "tex", "emacs", "vim",
]  # fmt: skip
PARTS = [
    "audio", "video", "net", "crypt", "compress", "parse", "json", "xml", "yaml", "http", "dbus",
    "usb", "pci", "input", "render", "font", "image", "png", "jpeg", "tiff", "zstd", "uring",
    "event", "uv", "ssh", "git", "term", "mount", "fs", "grep", "sed", "awk", "tar", "sqlite",
]  # fmt: skip
OUTPUTS = ["", "", "", "", "", "-bin", "-dev", "-lib", "-man", "-doc"]


def nix32(rng: random.Random) -> str:
    """A random 32-character store path hash part."""
    return "".join(rng.choice(NIX32) for _ in range(32))


def version(rng: random.Random) -> str:
    """A plausible version string."""
    parts = [str(rng.randrange(0, 30)) for _ in range(rng.choice((2, 2, 3, 3, 3)))]
    return ".".join(parts)


def names(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct store path names, ``POPULAR`` first; ~0.5 % in two versions."""
    out = list(POPULAR[: min(count, len(POPULAR))])
    seen = set(out)
    twins = 0
    while len(out) < count:
        stem = rng.choice(STEMS)
        pname = f"{stem}{rng.choice(PARTS)}" if stem in {"lib", "x", "py"} else stem
        pname += f"-{rng.choice(PARTS)}{rng.randrange(1000)}" if rng.random() < 0.9 else ""
        name = f"{pname}-{version(rng)}{rng.choice(OUTPUTS)}"
        if name in seen:
            continue
        seen.add(name)
        out.append(name)
        if rng.random() < 0.005 and len(out) < count:  # the same package, another version
            twin = f"{pname}-{version(rng)}"
            if twin not in seen:
                seen.add(twin)
                out.append(twin)
                twins += 1
    return out


def generate(paths: int, refs: int, seed: int = 20241129) -> list[dict[str, object]]:
    """The ``nix path-info --json`` list for a closure of ``paths`` paths, ~``refs`` references.

    Node i may reference only nodes generated before it (dependencies come first), chosen by
    preferential attachment: the urn holds each path once plus once per referrer it has.
    """
    rng = random.Random(seed)
    all_names = names(rng, paths - 2)
    store = [f"/nix/store/{nix32(rng)}-{name}" for name in all_names]
    mean_refs = 0.95 * refs / max(paths - 2, 1)  # duplicates drawn from the urn are dropped
    references: list[list[int]] = []
    urn: list[int] = []
    for i in range(len(store)):
        if i == 0:
            references.append([])
            urn.append(0)
            continue
        # heavy-tailed out-degree with the requested mean (geometric mixed with a few hubs)
        want = int(rng.expovariate(1 / mean_refs)) if mean_refs else 0
        if rng.random() < 0.01:
            want *= 8
        want = min(want, i)
        chosen: set[int] = set()
        tries = 0
        while len(chosen) < want and tries < want * 4:
            tries += 1
            j = urn[rng.randrange(len(urn))] if rng.random() < 0.8 else rng.randrange(i)
            chosen.add(j)
        refs_i = sorted(chosen)
        references.append(refs_i)
        urn.extend(refs_i)
        urn.append(i)
    referenced = {j for r in references for j in r}
    system_path = len(store)
    store.append(f"/nix/store/{nix32(rng)}-system-path")
    references.append(sorted(set(range(len(store) - 1)) - referenced))
    root = len(store)
    store.append(f"/nix/store/{nix32(rng)}-nixos-system-bench-24.11")
    references.append(sorted({system_path, *rng.sample(range(system_path), min(20, system_path))}))

    out: list[dict[str, object]] = []
    for i, path in enumerate(store):
        size = int(math.exp(rng.gauss(math.log(150 * 1024), 2.0)))
        size = max(120, min(size, 4 * 1024**3)) // 8 * 8  # NAR sizes are multiples of 8
        refs_abs = [store[j] for j in references[i]]
        if rng.random() < 0.3:
            refs_abs.append(path)  # Nix lists self-references
        out.append(
            {
                "path": path,
                "valid": True,
                "narHash": "sha256-" + base64.b64encode(rng.randbytes(32)).decode(),
                "narSize": size,
                "references": sorted(refs_abs),
                "registrationTime": 1700000000 + i,
            }
        )
    out.sort(key=lambda d: str(d["path"]))
    assert root == len(store) - 1
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=12000)
    parser.add_argument("--refs", type=int, default=150000)
    parser.add_argument("--seed", type=int, default=20241129)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    data = generate(args.paths, args.refs, args.seed)
    args.output.write_text(json.dumps(data, separators=(",", ":")))
    edges = sum(len(d["references"]) for d in data)  # type: ignore[arg-type]
    print(f"{args.output}: {len(data)} paths, {edges} references (self-references included)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
