"""docker-archive: classic docker save, skopeo (symlinked layers), kaniko, Docker 25+ (OCI
layout + manifest.json), several images, one-pass stdin, observers."""

from __future__ import annotations

import io
import json
import sys
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from closurescope.errors import LoadError
from closurescope.loaders import LoadOptions, detect, load
from closurescope.loaders.base import InputSource
from closurescope.loaders.docker_archive import LOADER as DOCKER
from closurescope.loaders.docker_archive import DockerArchiveLoader
from closurescope.model import FileEntry, FileKind

ROOT = Path(__file__).resolve().parents[3]
DIVE = ROOT.parent / "shared" / "corpus" / "dive"
IMAGES = ROOT / "sample-closures" / "images"


def dive(name: str) -> Path:
    path = DIVE / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    return path


def test_classic_docker_save() -> None:
    closure = load(str(dive("test-docker-image.tar")))
    assert closure.source.format == "docker-archive"
    assert len(closure.layers) == 14
    assert closure.config is not None
    assert closure.config.cmd == ("sh",)
    assert closure.config.architecture == "amd64"
    # layer sizes are the sums of tar header sizes (dive's unit), diff_ids verified
    assert closure.layers[0].content_size == 1154361
    assert closure.layers[0].uncompressed_size == 1369600
    assert closure.layers[0].compression == "none"
    assert all(layer.diff_id and layer.diff_id.startswith("sha256:") for layer in closure.layers)
    assert closure.layers[1].created_by == (
        "/bin/sh -c #(nop) ADD file:"
        "139c3708fb6261126453e34483abd8bf7b26ed16d952fd976994d68e72d93be2 in /somefile.txt "
    )
    files = closure.files
    assert files is not None
    # rm -rf /root/example/ in a later layer: the directory is gone from the merged tree
    assert "root/example" not in files
    assert "root/saved.txt" in files
    # the graph: one component per layer, each referencing the one below
    assert len(closure.graph) == 14
    assert closure.graph.references("layer:13") == ("layer:12",)
    assert closure.graph.component("layer:0").self_size == 1154361


def test_kaniko_gzip_layers_and_sha_config_name() -> None:
    closure = load(str(dive("test-kaniko-image.tar")))
    assert closure.source.format == "docker-archive"
    assert [layer.compression for layer in closure.layers] == ["gzip"] * 14
    sizes = (closure.layers[0].compressed_size, closure.layers[0].uncompressed_size)
    assert sizes[0] is not None
    assert sizes[1] is not None
    assert sizes[0] < sizes[1]
    assert closure.files is not None
    assert closure.files.entries["somefile.txt"].size == 9249


def test_skopeo_archive_with_symlinked_layers_equals_the_oci_layout() -> None:
    docker = load(str(IMAGES / "image.docker.tar"))
    oci = load(str(IMAGES / "image-oci"))
    assert docker.source.format == "docker-archive"
    assert [layer.diff_id for layer in docker.layers] == [layer.diff_id for layer in oci.layers]
    assert docker.files is not None
    assert oci.files is not None
    assert dict(docker.files.entries) == dict(oci.files.entries)
    tool = docker.files.get("usr/bin/tool-alias")
    assert tool is not None
    assert tool.kind is FileKind.HARDLINK
    assert tool.link_target == "usr/bin/tool"
    assert docker.layers[1].modified == ("etc/motd",)
    assert docker.layers[2].removed == ("tmp/build-cache.bin",)
    assert docker.layers[3].removed == ("opt/app/lib", "opt/app/lib/libold.so")


def _docker25(tmp_path: Path) -> Path:
    """An OCI layout plus manifest.json in one tar, as Docker >= 25 writes it."""
    layout = IMAGES / "image-oci"
    index = json.loads((layout / "index.json").read_text())
    mdigest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((layout / "blobs" / "sha256" / mdigest).read_text())
    docker_manifest = [
        {
            "Config": "blobs/sha256/" + manifest["config"]["digest"].split(":")[1],
            "RepoTags": ["sample:25"],
            "Layers": ["blobs/sha256/" + d["digest"].split(":")[1] for d in manifest["layers"]],
        }
    ]
    out = tmp_path / "docker25.tar"
    with tarfile.open(out, "w") as tf:
        for path in sorted((layout / "blobs" / "sha256").iterdir()):
            tf.add(path, f"blobs/sha256/{path.name}")
        tf.add(layout / "index.json", "index.json")
        tf.add(layout / "oci-layout", "oci-layout")
        data = json.dumps(docker_manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    return out


def test_docker25_layout_with_manifest_json(tmp_path: Path) -> None:
    closure = DOCKER.load(InputSource.from_arg(str(_docker25(tmp_path))), LoadOptions())
    assert closure.source.format == "docker-archive"
    assert len(closure.layers) == 6
    assert closure.layers[0].digest is not None
    assert closure.layers[0].compression == "gzip"
    oci = load(str(IMAGES / "image-oci"))
    assert [layer.digest for layer in closure.layers] == [layer.digest for layer in oci.layers]


def _two_images(tmp_path: Path) -> Path:
    src = dive("test-docker-image.tar")
    out = tmp_path / "two.tar"
    with tarfile.open(src) as tin, tarfile.open(out, "w") as tout:
        for member in tin.getmembers():
            data = tin.extractfile(member) if member.isfile() else None
            if member.name == "manifest.json":
                assert data is not None
                items = json.loads(data.read())
                second = dict(items[0], RepoTags=["small:1"], Layers=items[0]["Layers"][:1])
                items.append(second)
                raw = json.dumps(items).encode()
                member.size = len(raw)
                data = io.BytesIO(raw)
            tout.addfile(member, data)
    return out


def test_several_images_pick_with_image_option(tmp_path: Path) -> None:
    path = str(_two_images(tmp_path))
    first = load(path)
    assert len(first.layers) == 14
    assert any("holds 2 images" in d and "using the first" in d for d in first.diagnostics)
    # the second entry reuses the first layer but its config lists 14 diff_ids
    with pytest.raises(LoadError, match="14 diff_ids but the manifest 1 layers"):
        load(path, LoadOptions(image="small:1"))
    with pytest.raises(LoadError, match="no image 'nope:1'"):
        load(path, LoadOptions(image="nope:1"))
    by_index = load(path, LoadOptions(image="0"))
    assert len(by_index.layers) == 14


def test_stdin_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (IMAGES / "image.docker.tar").read_bytes()
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(data)))
    closure = load("-")
    assert closure.source.path == "-"
    assert closure.source.format == "docker-archive"
    assert len(closure.layers) == 6
    assert closure.files is not None
    assert "usr/share/doc/README" in closure.files


def test_detection_order() -> None:
    assert detect(InputSource.from_arg(str(dive("test-docker-image.tar")))).name == (
        "docker-archive"
    )
    assert detect(InputSource.from_arg(str(dive("test-kaniko-image.tar")))).name == (
        "docker-archive"
    )
    assert detect(InputSource.from_arg(str(dive("test-oci-gzip-image.tar")))).name == (
        "oci-archive"
    )
    assert detect(InputSource.from_arg(str(dive("test-uncompressed-image.tar")))).name == (
        "rootfs-tar"
    )


class Recorder:
    """A content observer that keeps (layer, path, bytes, ended) for files under etc/."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, str, int]] = []
        self.ended = 0

    def begin(self, layer_index: int, path: str, entry: FileEntry) -> Recorder.Sink | None:
        if not path.startswith("etc/"):
            return None
        assert entry.kind is FileKind.FILE
        assert entry.digest is None
        return Recorder.Sink(self, layer_index, path)

    class Sink:
        def __init__(self, owner: Recorder, layer: int, path: str) -> None:
            self.owner, self.layer, self.path, self.n = owner, layer, path, 0

        def update(self, chunk: bytes) -> None:
            self.n += len(chunk)

        def end(self) -> None:
            self.owner.seen.append((self.layer, self.path, self.n))
            self.owner.ended += 1


def test_observers_see_every_byte_once() -> None:
    from closurescope.loaders.oci import OciLayoutLoader

    recorder = Recorder()
    loader = OciLayoutLoader(observers=(recorder,))
    closure = loader.load(InputSource.from_arg(str(IMAGES / "image-oci")), LoadOptions())
    assert sorted(recorder.seen) == [
        (0, "etc/motd", 13),
        (0, "etc/passwd", 71),
        (1, "etc/motd", 41),
    ]
    assert recorder.ended == 3
    assert closure.files is not None
    assert closure.files.entries["etc/motd"].size == 41


def test_digests_are_xxh3_128() -> None:
    import xxhash

    closure = load(str(IMAGES / "image.docker.tar"))
    assert closure.files is not None
    motd = closure.files.entries["etc/motd"]
    expected = xxhash.xxh3_128(b"welcome (v2, rewritten in a later layer)\n").hexdigest()
    assert motd.digest == expected


def test_sniff_sees_skopeo_layers_before_manifest_json() -> None:
    # only the first bytes are looked at: skopeo puts <hex>.tar layers first
    data = (IMAGES / "image.docker.tar").read_bytes()
    head = data[: data.index(b"manifest.json") - 256]
    source = InputSource("-", None, io.BytesIO(head))
    assert DOCKER.sniff(source)


def test_observers_get_final_layer_indices_from_a_file_with_manifest_last(
    tmp_path: Path,
) -> None:
    # layers stored top layer first, manifest.json last: on a file the JSON is read first (by
    # seeking over headers), so the layer index handed to observers is the final one
    src = IMAGES / "image.docker.tar"
    out = tmp_path / "reversed.tar"
    with tarfile.open(src) as tin, tarfile.open(out, "w") as tout:
        members = tin.getmembers()
        layers = [m for m in members if m.isfile() and m.name.endswith(".tar")]
        rest = [m for m in members if m not in layers]
        for member in [*reversed(layers), *rest]:
            tout.addfile(member, tin.extractfile(member) if member.isfile() else None)
    recorder = Recorder()
    closure = DockerArchiveLoader(observers=(recorder,)).load(
        InputSource.from_arg(str(out)), LoadOptions()
    )
    assert sorted(recorder.seen) == [
        (0, "etc/motd", 13),
        (0, "etc/passwd", 71),
        (1, "etc/motd", 41),
    ]
    assert len(closure.layers) == 6
