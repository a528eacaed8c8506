"""OCI layouts: directory, archive, multi-platform, nested index, digest checks."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import zstandard

from closurescope.errors import LoadError
from closurescope.loaders import LoadOptions, detect, load
from closurescope.loaders.base import InputSource

ROOT = Path(__file__).resolve().parents[3]
DIVE = ROOT.parent / "shared" / "corpus" / "dive"
IMAGES = ROOT / "sample-closures" / "images"


def dive(name: str) -> Path:
    path = DIVE / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return path


def test_layout_directory_detected_and_loaded() -> None:
    source = InputSource.from_arg(str(IMAGES / "image-oci"))
    assert detect(source).name == "oci"
    closure = load(str(IMAGES / "image-oci"))
    assert closure.source.format == "oci"
    assert [layer.index for layer in closure.layers] == list(range(6))
    assert all(layer.compression == "gzip" for layer in closure.layers)
    assert closure.layers[5].media_type == "application/vnd.oci.image.layer.v1.tar+gzip"
    assert closure.config is not None
    assert closure.config.cmd == ("/bin/sh",)
    assert closure.config.env == ("PATH=/bin:/usr/bin",)
    assert closure.layers[1].created_by == "RUN edit motd && make cache"
    # kinds from the layer entries
    kinds = {e.path: e.kind.value for e in closure.layers[2].entries}
    assert kinds == {"tmp/build-cache.bin": "whiteout"}
    kinds5 = {e.path: e.kind.value for e in closure.layers[5].entries}
    assert kinds5 == {"usr/share/doc": "opaque", "usr/share/doc/README": "file"}


def test_prefix_form_and_archive_equal_the_directory() -> None:
    by_prefix = load("oci:" + str(IMAGES / "image-oci"))
    archive = load(str(IMAGES / "image.oci-archive.tar"))
    assert archive.source.format == "oci-archive"
    assert by_prefix.files is not None
    assert archive.files is not None
    assert dict(by_prefix.files.entries) == dict(archive.files.entries)
    assert [layer.digest for layer in archive.layers] == [
        layer.digest for layer in by_prefix.layers
    ]


def test_archive_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (IMAGES / "image.oci-archive.tar").read_bytes()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    closure = load("-")
    assert closure.source.format == "oci-archive"
    assert len(closure.layers) == 6


def test_multi_platform_needs_a_choice() -> None:
    path = str(IMAGES / "multi-oci")
    with pytest.raises(LoadError, match=r"multi-platform index \(linux/amd64, linux/arm64\)"):
        load(path)
    arm = load(path, LoadOptions(platform="linux/arm64"))
    amd = load(path, LoadOptions(platform="linux/amd64"))
    assert arm.config is not None
    assert arm.config.architecture == "arm64"
    assert amd.config is not None
    assert amd.config.architecture == "amd64"
    assert arm.files is not None
    assert arm.files.entries["ARCH"].size == len("built for arm64\n")
    with pytest.raises(LoadError, match=r"no image for platform linux/s390x \(has: linux/amd64"):
        load(path, LoadOptions(platform="linux/s390x"))


def _write_blob(root: Path, data: bytes) -> str:
    digest = hashlib.sha256(data).hexdigest()
    (root / "blobs" / "sha256" / digest).write_bytes(data)
    return "sha256:" + digest


def test_nested_index(tmp_path: Path) -> None:
    layout = tmp_path / "nested"
    shutil.copytree(IMAGES / "multi-oci", layout)
    inner = (layout / "index.json").read_bytes()
    digest = _write_blob(layout, inner)
    outer = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "digest": digest,
                "size": len(inner),
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(outer))
    closure = load(str(layout), LoadOptions(platform="linux/arm64"))
    assert closure.config is not None
    assert closure.config.architecture == "arm64"


def test_zstd_layer_and_bad_size(tmp_path: Path) -> None:
    layout = tmp_path / "zstd"
    shutil.copytree(IMAGES / "multi-oci", layout)
    index = json.loads((layout / "index.json").read_text())
    desc = index["manifests"][1]
    index["manifests"] = [desc]
    mpath = layout / "blobs" / "sha256" / desc["digest"].split(":")[1]
    manifest = json.loads(mpath.read_text())
    ldesc = manifest["layers"][0]
    gz = (layout / "blobs" / "sha256" / ldesc["digest"].split(":")[1]).read_bytes()
    import gzip

    plain = gzip.decompress(gz)
    zst = zstandard.ZstdCompressor().compress(plain)
    ldesc.update(
        digest=_write_blob(layout, zst),
        size=len(zst),
        mediaType="application/vnd.oci.image.layer.v1.tar+zstd",
    )
    mdata = json.dumps(manifest).encode()
    desc.update(digest=_write_blob(layout, mdata), size=len(mdata))
    (layout / "index.json").write_text(json.dumps(index))
    closure = load(str(layout))
    assert closure.layers[0].compression == "zstd"
    assert closure.files is not None
    assert "ARCH" in closure.files
    # a descriptor size that does not match the blob
    ldesc["size"] = len(zst) + 1
    mdata = json.dumps(manifest).encode()
    desc.update(digest=_write_blob(layout, mdata), size=len(mdata))
    (layout / "index.json").write_text(json.dumps(index))
    with pytest.raises(LoadError, match="manifest says"):
        load(str(layout))


def test_missing_blob_in_directory(tmp_path: Path) -> None:
    layout = tmp_path / "gone"
    shutil.copytree(IMAGES / "image-oci", layout)
    closure = load(str(layout))
    victim = closure.layers[3].digest
    assert victim is not None
    (layout / "blobs" / "sha256" / victim.split(":")[1]).unlink()
    with pytest.raises(LoadError, match=f"{victim} is missing from the layout"):
        load(str(layout))


def test_malformed_digest_never_touches_other_paths(tmp_path: Path) -> None:
    layout = tmp_path / "evil"
    shutil.copytree(IMAGES / "multi-oci", layout)
    index = json.loads((layout / "index.json").read_text())
    index["manifests"] = [dict(index["manifests"][0], digest="sha256:../../../../etc/passwd")]
    (layout / "index.json").write_text(json.dumps(index))
    with pytest.raises(LoadError, match="malformed digest"):
        load(str(layout))


def test_oci_archive_in_any_blob_order(tmp_path: Path) -> None:
    # blobs after index.json and in reverse order: one pass still assembles the image
    src = IMAGES / "image.oci-archive.tar"
    out = tmp_path / "reordered.tar"
    with tarfile.open(src) as tin, tarfile.open(out, "w") as tout:
        members = tin.getmembers()
        members.sort(key=lambda m: (not m.name.endswith("index.json"), m.name), reverse=False)
        members = [m for m in members if not m.name.startswith("blobs")] + sorted(
            (m for m in members if m.name.startswith("blobs")),
            key=lambda m: m.name,
            reverse=True,
        )
        for member in members:
            tout.addfile(member, tin.extractfile(member) if member.isfile() else None)
    closure = load(str(out))
    assert len(closure.layers) == 6
    assert closure.files is not None
    assert "usr/bin/tool" in closure.files


@pytest.mark.parametrize("name", ["image-oci", "image.oci-archive.tar", "image.docker.tar"])
def test_progress_reports_bytes_read(name: str) -> None:
    calls: list[tuple[int, int | None]] = []
    path = IMAGES / name
    load(str(path), LoadOptions(progress=lambda done, total: calls.append((done, total))))
    assert calls
    done, total = calls[-1]
    if path.is_file():
        assert done == total == path.stat().st_size  # the whole archive, once
    else:
        assert total is not None
        assert done == total  # every layer blob's bytes
    assert [c[0] for c in calls] == sorted(c[0] for c in calls)
