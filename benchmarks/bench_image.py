"""Image loading benchmark: a synthetic ~200,000-file, ~2 GB image in 5 gzip layers.

    .venv/bin/python benchmarks/bench_image.py [--files N] [--gb X] [--regen]

Generates (once) an OCI layout in benchmarks/_work/image-bench/ (gitignored): each layer is
written by Python's tarfile into ``gzip -1`` through a pipe; file contents mix text-like
(compressible) and random bytes; later layers overwrite and delete some files of earlier ones.
Then it times, each in a fresh process so peak RSS is that process's own:

- closurescope: load (``oci:`` loader) + dive layer metrics, and the full ``analyze()``;
- ``tar -tzf`` over every layer (listing only);
- ``gzip -dc > /dev/null`` over every layer (the floor: decompression alone);

and prints the times, the ratios to the floor and the peak RSS.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import random
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "image-bench"
LAYERS = 5


def _write_layer(path: Path, seed: int, files: int, bytes_target: int, layer: int) -> None:
    rng = random.Random(seed)
    pool = rng.randbytes(16 << 20)
    text = b"".join(b"line %08d of some configuration or source file\n" % i for i in range(4096))
    big_count = max(1, files // 1000)
    small_budget = bytes_target // 3
    small_avg = max(1, small_budget // max(1, files - big_count))
    big_avg = (bytes_target - small_budget) // big_count
    with open(path, "wb") as out:
        gz = subprocess.Popen(["gzip", "-1", "-c"], stdin=subprocess.PIPE, stdout=out)
        assert gz.stdin is not None
        with tarfile.open(fileobj=gz.stdin, mode="w|", format=tarfile.PAX_FORMAT) as tf:
            dirs: set[str] = set()
            for i in range(files):
                if i < big_count:
                    name = f"opt/big{layer}/blob{i:04d}.bin"
                    size = rng.randint(big_avg // 2, big_avg * 3 // 2)
                else:
                    # layers 1+ rewrite some paths of layer 0 (waste for the metrics)
                    owner = 0 if (layer > 0 and i % 50 == 0) else layer
                    name = f"usr/share/l{owner}/d{i % 997:03d}/f{i:06d}.txt"
                    size = rng.randint(0, 2 * small_avg)
                parent = name.rsplit("/", 1)[0]
                parts = parent.split("/")
                for k in range(1, len(parts) + 1):
                    d = "/".join(parts[:k])
                    if d not in dirs:
                        dirs.add(d)
                        info = tarfile.TarInfo(d)
                        info.type = tarfile.DIRTYPE
                        info.mode = 0o755
                        tf.addfile(info)
                info = tarfile.TarInfo(name)
                info.size = size
                info.mode = 0o644
                src = pool if rng.random() < 0.5 else text
                if size <= len(src):
                    start = rng.randrange(0, len(src) - size + 1)
                    data = src[start : start + size]
                else:
                    data = (src * (1 + size // len(src)))[:size]
                tf.addfile(info, io.BytesIO(data))
            if layer > 0:  # delete some files of layer 0 (whiteouts)
                for j in range(200):
                    n = big_count + 1 + (j * 37 + layer) % (files - big_count - 1)
                    if n % 50 == 0:
                        continue
                    info = tarfile.TarInfo(f"usr/share/l0/d{n % 997:03d}/.wh.f{n:06d}.txt")
                    tf.addfile(info)
        gz.stdin.close()
        if gz.wait() != 0:
            raise SystemExit("gzip failed")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _diff_id(path: Path) -> str:
    h = hashlib.sha256()
    proc = subprocess.Popen(["gzip", "-dc", str(path)], stdout=subprocess.PIPE)
    assert proc.stdout is not None
    while chunk := proc.stdout.read(1 << 20):
        h.update(chunk)
    proc.wait()
    return "sha256:" + h.hexdigest()


def generate(files: int, gb: float) -> None:
    blobs = WORK / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    per_layer_files = files // LAYERS
    per_layer_bytes = int(gb * 1e9) // LAYERS
    layers = []
    diff_ids = []
    for i in range(LAYERS):
        tmp = WORK / f"layer{i}.tar.gz"
        print(f"generating layer {i} ...", file=sys.stderr, flush=True)
        _write_layer(tmp, 1000 + i, per_layer_files, per_layer_bytes, i)
        digest = _sha256(tmp)
        size = tmp.stat().st_size
        tmp.rename(blobs / digest)
        layers.append(
            {
                "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                "digest": "sha256:" + digest,
                "size": size,
            }
        )
        diff_ids.append(_diff_id(blobs / digest))
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": f"layer {i}"} for i in range(LAYERS)],
        }
    ).encode()
    cdigest = hashlib.sha256(config).hexdigest()
    (blobs / cdigest).write_bytes(config)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": "sha256:" + cdigest,
                "size": len(config),
            },
            "layers": layers,
        }
    ).encode()
    mdigest = hashlib.sha256(manifest).hexdigest()
    (blobs / mdigest).write_bytes(manifest)
    index = {
        "schemaVersion": 2,
        "manifests": [
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + mdigest,
                "size": len(manifest),
            }
        ],
    }
    (WORK / "index.json").write_text(json.dumps(index))
    (WORK / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')


def layer_paths() -> list[Path]:
    index = json.loads((WORK / "index.json").read_text())
    mdigest = index["manifests"][0]["digest"].split(":")[1]
    manifest = json.loads((WORK / "blobs" / "sha256" / mdigest).read_text())
    return [WORK / "blobs" / "sha256" / d["digest"].split(":")[1] for d in manifest["layers"]]


def timed(cmd: list[str] | str, shell: bool = False) -> tuple[float, float, str]:
    """Wall time and CPU time (user + sys of the children) of a command, and its stdout.

    CPU time is the fair comparison on a busy machine: the wall clock also counts waiting
    for a core.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(cmd, shell=shell, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


CLOSURESCOPE = """
import sys, time, resource
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
w0, c0 = time.perf_counter(), cpu()
from closurescope.loaders import load
from closurescope.analysis.layers import layer_metrics
c = load("oci:" + sys.argv[1])
w1, c1 = time.perf_counter(), cpu()
m = layer_metrics(c.layers)
w2, c2 = time.perf_counter(), cpu()
files = len(c.files) if c.files is not None else 0
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(f"load {w1 - w0:.2f} {c1 - c0:.2f} metrics {w2 - w1:.2f} {c2 - c1:.2f} files {files} "
      f"eff {m.efficiency:.6f} wasted {m.wasted_bytes} rss_kib {rss}")
if sys.argv[2] == "analyze":
    from closurescope.analysis import analyze
    analyze(c)
    w3, c3 = time.perf_counter(), cpu()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"analyze {w3 - w2:.2f} {c3 - c2:.2f} rss_kib {rss}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--gb", type=float, default=2.0)
    parser.add_argument("--regen", action="store_true")
    parser.add_argument("--no-analyze", action="store_true", help="skip the full analyze()")
    parser.add_argument(
        "--docker-stdin",
        action="store_true",
        help="also time `cat image.docker.tar | load('-')` (skopeo converts the layout once)",
    )
    args = parser.parse_args()
    if args.regen or not (WORK / "index.json").is_file():
        generate(args.files, args.gb)
    layers = layer_paths()
    compressed = sum(p.stat().st_size for p in layers)
    quoted = " ".join(f"'{p}'" for p in layers)
    floor_w, floor_c, _ = timed(
        f'for f in {quoted}; do gzip -dc "$f" > /dev/null; done', shell=True
    )
    tar_w, tar_c, _ = timed(f'for f in {quoted}; do tar -tzf "$f" > /dev/null; done', shell=True)
    uncompressed = int(
        subprocess.run(
            f"cat {quoted} | gzip -dc | wc -c", shell=True, capture_output=True, text=True
        ).stdout
    )
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    mode = "load" if args.no_analyze else "analyze"
    proc = subprocess.run(
        [sys.executable, "-c", CLOSURESCOPE, str(WORK), mode],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    lines = proc.stdout.strip().splitlines()
    f = lines[0].split()
    load_w, load_c, met_w, met_c = float(f[1]), float(f[2]), float(f[4]), float(f[5])
    print(
        f"image: {LAYERS} gzip layers, {compressed / 1e9:.2f} GB compressed, "
        f"{uncompressed / 1e9:.2f} GB uncompressed, {f[7]} paths in the merged tree"
    )
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print("                               wall s    cpu s   cpu/floor")
    rows = [
        ("gzip -dc > /dev/null (floor)", floor_w, floor_c),
        ("tar -tzf", tar_w, tar_c),
        ("closurescope load", load_w, load_c),
        ("closurescope load + metrics", load_w + met_w, load_c + met_c),
    ]
    if len(lines) > 1:
        a = lines[1].split()
        rows.append(
            (
                "closurescope load+analyze()",
                load_w + met_w + float(a[1]),
                load_c + met_c + float(a[2]),
            )
        )
    for label, wall, cpu in rows:
        print(f"{label:30s} {wall:7.2f}  {cpu:7.2f}   {cpu / floor_c:5.2f}x")
    print(f"peak RSS (load + metrics): {int(f[-1]) / 1024:.0f} MiB")
    if len(lines) > 1:
        print(f"peak RSS (with analyze()): {int(lines[1].split()[-1]) / 1024:.0f} MiB")
    print(f"dive metrics: efficiency {f[9]}, wasted bytes {f[11]}")
    if args.docker_stdin:
        docker_stdin(env, floor_c)


STDIN = """
import resource, sys, time
from closurescope.loaders import load
c = load("-")
r = resource.getrusage(resource.RUSAGE_SELF)
print(f"{r.ru_utime + r.ru_stime:.2f} {r.ru_maxrss} {c.source.format} {len(c.layers)}")
"""


def docker_stdin(env: dict[str, str], floor_cpu: float) -> None:
    """``docker save | closurescope report -``: a docker-archive read once from a pipe."""
    archive = WORK.parent / "image-bench.docker.tar"
    if not archive.is_file():
        subprocess.run(
            ["skopeo", "copy", "-q", f"oci:{WORK}", f"docker-archive:{archive}:bench:latest"],
            check=True,
        )
    start = time.perf_counter()
    with open(archive, "rb") as fh:
        proc = subprocess.run(
            [sys.executable, "-c", STDIN],
            stdin=fh,
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
    wall = time.perf_counter() - start
    cpu, rss, fmt, layers = proc.stdout.split()
    size = archive.stat().st_size / 1e9
    print(
        f"stdin {fmt} ({size:.2f} GB, {layers} uncompressed layers): wall {wall:.2f} s, "
        f"cpu {float(cpu):.2f} s ({float(cpu) / floor_cpu:.2f}x the gzip floor), "
        f"peak RSS {int(rss) / 1024:.0f} MiB"
    )


if __name__ == "__main__":
    main()
