"""Write deterministic docker-archive images from the real sample store paths.

Usage (make.sh runs it)::

    python3 make_images.py --samples OUTDIR --out OUTDIR/images \
        --tzdata-copy DIR --tzdata /nix/store/...-tzdata-2024a

Reads the closures from ``OUTDIR/<root>.path-info.json`` and the files from the real
``/nix/store``. Each image is one layer, like ``dockerTools.buildImage``: the whole closure
under ``nix/store/`` plus the ``copyToRoot`` contents at the image root; the archive layout and
the config follow ``stream_layered_image.py`` (``<sha256>/layer.tar``, ``<sha256>.json`` written
with ``json.dumps(indent=4)``, ``manifest.json``, history ``comment: "store paths: [...]"``).
Deterministic: members sorted by name, mtime 1, uid/gid 0 (``root``), GNU tar format (no pax
headers, no timestamps but mtime), real file modes, symlinks kept. Stdlib only.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import stat
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MTIME = 1
CREATED = "1970-01-01T00:00:01+00:00"
STORE_DIR = "/nix/store"


@dataclass(frozen=True)
class Member:
    """One layer member: its in-image name and the host file it is read from (None: a dir
    that only exists in the image, like ``nix/store``)."""

    name: str
    source: Path | None


def walk(src: Path, dest: str) -> list[Member]:
    """Every entry under ``src`` (itself included), never following symlinks."""
    members = [Member(dest, src)]
    if stat.S_ISDIR(os.lstat(src).st_mode):
        for child in sorted(os.listdir(src)):
            members += walk(src / child, f"{dest}/{child}")
    return members


def tarinfo(member: Member) -> tarfile.TarInfo:
    ti = tarfile.TarInfo(member.name)
    ti.mtime = MTIME
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = "root"
    if member.source is None:
        ti.type = tarfile.DIRTYPE
        ti.mode = 0o555
        return ti
    st = os.lstat(member.source)
    ti.mode = stat.S_IMODE(st.st_mode)
    if stat.S_ISLNK(st.st_mode):
        ti.type = tarfile.SYMTYPE
        ti.linkname = os.readlink(member.source)
        ti.mode = 0o777
    elif stat.S_ISDIR(st.st_mode):
        ti.type = tarfile.DIRTYPE
    elif stat.S_ISREG(st.st_mode):
        ti.type = tarfile.REGTYPE
        ti.size = st.st_size
    else:
        raise ValueError(f"unsupported file type: {member.source}")
    return ti


def layer_tar(members: list[Member]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for member in sorted(members, key=lambda m: m.name):
            ti = tarinfo(member)
            if ti.isreg() and member.source is not None:
                with member.source.open("rb") as f:
                    tar.addfile(ti, f)
            else:
                tar.addfile(ti)
    return buf.getvalue()


def store_members(paths: list[str]) -> list[Member]:
    members = [Member("nix", None), Member("nix/store", None)]
    for path in sorted(paths):
        members += walk(Path(path), path.lstrip("/"))
    return members


def add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mtime = MTIME
    tar.addfile(ti, io.BytesIO(data))


def write_image(
    out: Path, repo_tag: str, members: list[Member], config: dict[str, Any], paths: list[str]
) -> None:
    layer = layer_tar(members)
    checksum = hashlib.sha256(layer).hexdigest()
    image_json = {
        "created": CREATED,
        "architecture": "amd64",
        "os": "linux",
        "config": config,
        "rootfs": {"diff_ids": [f"sha256:{checksum}"], "type": "layers"},
        "history": [{"created": CREATED, "comment": f"store paths: {sorted(paths)}"}],
    }
    config_bytes = json.dumps(image_json, indent=4).encode("utf-8")
    config_name = f"{hashlib.sha256(config_bytes).hexdigest()}.json"
    manifest = [
        {"Config": config_name, "RepoTags": [repo_tag], "Layers": [f"{checksum}/layer.tar"]}
    ]
    with tarfile.open(out, mode="w", format=tarfile.GNU_FORMAT) as tar:
        add_bytes(tar, f"{checksum}/layer.tar", layer)
        add_bytes(tar, config_name, config_bytes)
        add_bytes(tar, "manifest.json", json.dumps(manifest, indent=4).encode("utf-8"))


def closure(samples: Path, root: str) -> list[str]:
    entries = json.loads((samples / f"{root}.path-info.json").read_text())
    return sorted(str(e["path"]) for e in entries)


def find(paths: list[str], name: str) -> str:
    """The one store path of the closure named ``name`` (after the hash)."""
    hits = [p for p in paths if p.split("/")[-1][33:] == name]
    if len(hits) != 1:
        raise ValueError(f"expected one {name} in the closure, found {hits}")
    return hits[0]


def contents(store_path: str) -> list[Member]:
    """``copyToRoot`` contents: the store path's children at the image root (symlinks kept,
    as buildImage does with ``keepContentsDirlinks = true``)."""
    members: list[Member] = []
    for child in sorted(os.listdir(store_path)):
        members += walk(Path(store_path) / child, child)
    return members


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--tzdata-copy", type=Path, required=True)
    parser.add_argument("--tzdata", required=True)
    args = parser.parse_args()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)

    full = closure(args.samples, "app-image-root-full")
    app = find(full, "hello-server-1.0")
    entrypoint = [f"{app}/bin/hello-server"]
    full_config = {
        "Env": [
            f"PATH={find(full, 'coreutils-9.4')}/bin:{find(full, 'bash-5.2-p26')}/bin",
            "LANG=en_US.UTF-8",
            f"LOCALE_ARCHIVE={find(full, 'glibc-locales-2.39')}/lib/locale/locale-archive",
            "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
            "TZDIR=/etc/zoneinfo",
        ],
        "Entrypoint": entrypoint,
        "Cmd": ["--port", "8443"],
        "ExposedPorts": {"8443/tcp": {}},
    }
    write_image(
        out / "app-full.docker.tar",
        "hello-server:1.0-full",
        store_members(full) + contents(find(full, "etc")),
        full_config,
        full,
    )

    minimal = closure(args.samples, "app-image-root-minimal")
    minimal_members = store_members(minimal) + contents(find(minimal, "etc-minimal"))
    env = [f"PATH={app}/bin", "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"]
    minimal_config: dict[str, Any] = {
        "Env": env,
        "Entrypoint": entrypoint,
        "Cmd": ["--port", "8443"],
        "ExposedPorts": {"8443/tcp": {}},
    }
    write_image(
        out / "app-minimal.docker.tar",
        "hello-server:1.0-minimal",
        minimal_members,
        minimal_config,
        minimal,
    )
    typo_config = {("Environment" if k == "Env" else k): v for k, v in minimal_config.items()}
    write_image(
        out / "app-environment-typo.docker.tar",
        "hello-server:1.0-environment-typo",
        minimal_members,
        typo_config,
        minimal,
    )

    tz_members = store_members([args.tzdata])
    for child in sorted(os.listdir(args.tzdata_copy)):
        tz_members += walk(args.tzdata_copy / child, child)
    write_image(
        out / "tzdata-rsync-k.docker.tar",
        "tzdata-rsync-k:2024a",
        tz_members,
        {"Env": ["TZDIR=/share/zoneinfo"]},
        [args.tzdata],
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
