"""Write one broken image sample per problem the image loaders must report (stdlib only).

Run: python3 sample-closures/broken/images/make_broken.py  (writes next to this file)

Each sample is a small docker-archive or OCI archive that is valid except for one problem,
so the loader's message is about exactly that problem. Expected outcomes are listed in
README.md beside this script and asserted by tests/unit/loaders/test_malformed_images.py.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MTIME = 1704067200


def tar_bytes(members: list[tuple[str, str, bytes | str]], fmt: int = tarfile.GNU_FORMAT) -> bytes:
    """A tar from (name, kind, data-or-linkname); kind is file, dir, sym or hard."""
    out = io.BytesIO()
    with tarfile.open(
        fileobj=out, mode="w", format=fmt, encoding="utf-8", errors="surrogateescape"
    ) as tf:
        for name, kind, data in members:
            info = tarfile.TarInfo(name)
            info.mtime = MTIME
            payload = None
            if kind == "file":
                assert isinstance(data, bytes)
                info.size = len(data)
                payload = io.BytesIO(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            elif kind == "sym":
                info.type = tarfile.SYMTYPE
                info.linkname = str(data)
            elif kind == "hard":
                info.type = tarfile.LNKTYPE
                info.linkname = str(data)
            tf.addfile(info, payload)
    return out.getvalue()


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def config(diff_ids: list[str]) -> bytes:
    doc = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created_by": f"step {i}"} for i in range(len(diff_ids))],
    }
    return json.dumps(doc, sort_keys=True).encode()


def outer(members: list[tuple[str, bytes]]) -> bytes:
    return tar_bytes([(name, "file", data) for name, data in members], fmt=tarfile.USTAR_FORMAT)


def docker_archive(layers: list[bytes], diff_ids: list[str] | None = None) -> bytes:
    """A classic docker save archive: <n>/layer.tar, config.json, manifest.json last."""
    ids = diff_ids if diff_ids is not None else [sha(layer) for layer in layers]
    cfg = config(ids)
    names = [f"{i:02d}/layer.tar" for i in range(len(layers))]
    manifest = [{"Config": "config.json", "RepoTags": ["broken:latest"], "Layers": names}]
    return outer(
        [
            *zip(names, layers, strict=True),
            ("config.json", cfg),
            ("manifest.json", json.dumps(manifest).encode()),
        ]
    )


def kaniko_archive(layer_gz: bytes, diff_id: str) -> bytes:
    """A kaniko-style archive: <hex>.tar.gz at the root, config named sha256:…"""
    cfg = config([diff_id])
    cfg_name = sha(cfg)
    layer_name = sha(layer_gz).split(":")[1] + ".tar.gz"
    manifest = [{"Config": cfg_name, "RepoTags": ["broken:kaniko"], "Layers": [layer_name]}]
    return outer(
        [
            (layer_name, layer_gz),
            (cfg_name, cfg),
            ("manifest.json", json.dumps(manifest).encode()),
        ]
    )


def oci_archive(
    layer_blob: bytes,
    media_type: str,
    diff_id: str,
    *,
    name_digest: str | None = None,
    include_layer: bool = True,
) -> bytes:
    """An OCI layout in a tar (no manifest.json). ``name_digest`` overrides the layer's name."""
    digest = name_digest or sha(layer_blob)
    cfg = config([diff_id])
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": sha(cfg),
            "size": len(cfg),
        },
        "layers": [{"mediaType": media_type, "digest": digest, "size": len(layer_blob)}],
    }
    mdata = json.dumps(manifest, sort_keys=True).encode()
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": sha(mdata),
                "size": len(mdata),
            }
        ],
    }
    members = [("oci-layout", b'{"imageLayoutVersion": "1.0.0"}')]
    if include_layer:
        members.append((f"blobs/sha256/{digest.split(':')[1]}", layer_blob))
    members += [
        (f"blobs/sha256/{sha(cfg).split(':')[1]}", cfg),
        (f"blobs/sha256/{sha(mdata).split(':')[1]}", mdata),
        ("index.json", json.dumps(index).encode()),
    ]
    return outer(members)


def zstd_frame(data: bytes) -> bytes:
    """A zstd frame made of raw blocks (stdlib has no zstd; raw blocks need no compressor)."""
    header = b"\x28\xb5\x2f\xfd" + bytes([0x20 | 0x00]) + bytes([len(data) & 0xFF])
    # Frame header: single-segment flag with a 1-byte content size only fits < 256 bytes,
    # so use the 4-byte size field (FCS flag 2) instead.
    header = b"\x28\xb5\x2f\xfd" + bytes([0x80 | 0x20]) + len(data).to_bytes(4, "little")
    blocks = b""
    chunk = 1 << 16
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        last = 1 if start + chunk >= len(data) else 0
        block_header = (len(piece) << 3) | (0 << 1) | last  # raw block
        blocks += block_header.to_bytes(3, "little") + piece
    return header + blocks


GOOD_LAYER = tar_bytes(
    [
        ("etc/", "dir", b""),
        ("etc/hostname", "file", b"broken-sample\n"),
        ("bin/", "dir", b""),
        ("bin/tool", "file", b"#!/bin/sh\necho hi\n" * 40),
    ]
)


def samples() -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    # 1. a gzip layer cut short (kaniko shape)
    gz = gzip.compress(GOOD_LAYER, mtime=0)
    out["truncated-gzip-layer.docker.tar"] = kaniko_archive(gz[: len(gz) // 2], sha(GOOD_LAYER))
    # 2. a gzip layer with flipped bytes in the deflate data
    bad = bytearray(gz)
    for i in range(20, 40):
        bad[i] ^= 0xFF
    out["corrupt-gzip-layer.docker.tar"] = kaniko_archive(bytes(bad), sha(GOOD_LAYER))
    # 3. a zstd layer whose frame header is damaged (reserved bit set)
    zst = bytearray(zstd_frame(GOOD_LAYER))
    zst[4] |= 0x08
    out["corrupt-zstd-layer.oci-archive.tar"] = oci_archive(
        bytes(zst), "application/vnd.oci.image.layer.v1.tar+zstd", sha(GOOD_LAYER)
    )
    # 4. the manifest names a layer blob the archive does not hold
    out["missing-blob.oci-archive.tar"] = oci_archive(
        GOOD_LAYER,
        "application/vnd.oci.image.layer.v1.tar",
        sha(GOOD_LAYER),
        include_layer=False,
    )
    # 5. the layer blob's bytes do not hash to its name/descriptor digest
    out["digest-mismatch.oci-archive.tar"] = oci_archive(
        GOOD_LAYER,
        "application/vnd.oci.image.layer.v1.tar",
        sha(GOOD_LAYER),
        name_digest="sha256:" + "0" * 64,
    )
    # 6. diff_id in the config does not match the layer
    out["diff-id-mismatch.docker.tar"] = docker_archive([GOOD_LAYER], ["sha256:" + "1" * 64])
    # 7. a member with '..'
    out["dotdot-member.docker.tar"] = docker_archive(
        [tar_bytes([("etc/../../outside.txt", "file", b"x\n")])]
    )
    # 8. an absolute member escaping the root
    out["absolute-escape.docker.tar"] = docker_archive(
        [tar_bytes([("/../../etc/shadow", "file", b"x\n")])]
    )
    # 9. a symlink whose target leaves the root: data, not an error (a diagnostic)
    out["symlink-escape.docker.tar"] = docker_archive(
        [tar_bytes([("etc/", "dir", b""), ("etc/evil", "sym", "../../../../etc/shadow")])]
    )
    # 10. a hardlink whose target leaves the root
    out["hardlink-escape.docker.tar"] = docker_archive(
        [tar_bytes([("etc/", "dir", b""), ("etc/evil", "hard", "../../etc/shadow")])]
    )
    # 11. a hardlink to a target that exists nowhere
    out["hardlink-missing.docker.tar"] = docker_archive(
        [tar_bytes([("bin/", "dir", b""), ("bin/alias", "hard", "bin/nothing-here")])]
    )
    # 12. the same path twice in one layer (loads; the last wins; a diagnostic says so)
    out["duplicate-path.docker.tar"] = docker_archive(
        [
            tar_bytes(
                [
                    ("etc/motd", "file", b"first version\n"),
                    ("etc/motd", "file", b"second, kept\n"),
                ]
            )
        ]
    )
    # 13. a member name that is not UTF-8
    out["non-utf8-name.docker.tar"] = docker_archive(
        [tar_bytes([("etc/caf\udce9.txt", "file", b"x\n")])]
    )
    # 14. a member whose declared size runs past the end of the archive
    whole = docker_archive([GOOD_LAYER])
    cut = whole.index(GOOD_LAYER[:100]) + 700
    out["size-past-end.docker.tar"] = whole[:cut]
    # 15. a layer tar truncated inside a file's content (the outer member is complete)
    short = GOOD_LAYER[: GOOD_LAYER.index(b"#!/bin/sh") + 100]
    out["truncated-tar-layer.docker.tar"] = docker_archive([short])
    return out


def main() -> None:
    for name, data in sorted(samples().items()):
        (HERE / name).write_bytes(data)


if __name__ == "__main__":
    main()
