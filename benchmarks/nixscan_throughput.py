"""Throughput of the store-hash scanner (ImageScanner) on real files, against a regex.

Feeds the regular files under the given directories (default: /usr/lib, /usr/bin) through
ImageScanner in 1 MiB chunks, as the layer streaming does, and reports MB/s; then the same
bytes through a compiled ``re`` search for runs of 32 nix-base32 characters, for comparison.
Usage: python benchmarks/nixscan_throughput.py [DIR ...] [--limit-mb N]
"""

from __future__ import annotations

import argparse
import os
import re
import time

from closurescope.loaders._nixscan import ImageScanner
from closurescope.model import FileEntry, FileKind

CHUNK = 1 << 20


def collect(dirs: list[str], limit: int) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    total = 0
    for top in dirs:
        for root, _, names in os.walk(top):
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                try:
                    with open(path, "rb") as fh:
                        data = fh.read()
                except OSError:
                    continue
                out.append((path, data))
                total += len(data)
                if total >= limit:
                    return out
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dirs", nargs="*", default=["/usr/lib", "/usr/bin"])
    parser.add_argument("--limit-mb", type=int, default=300)
    args = parser.parse_args()
    files = collect(args.dirs, args.limit_mb * 1_000_000)
    total = sum(len(d) for _, d in files)
    scanner = ImageScanner()
    start = time.perf_counter()
    for path, data in files:
        sink = scanner.begin(0, path, FileEntry(path=path, kind=FileKind.FILE))
        for i in range(0, len(data), CHUNK):
            sink.update(data[i : i + CHUNK])
        sink.end()
    elapsed = time.perf_counter() - start
    result = scanner.result()
    found = sum(len(v[0]) for v in result.hashes.values())
    print(
        f"ImageScanner: {len(files)} files, {total / 1e6:.0f} MB in {elapsed:.2f} s = "
        f"{total / 1e6 / elapsed:.0f} MB/s "
        f"({found} candidate windows in {len(result.hashes)} files)"
    )
    run = re.compile(rb"[0-9a-df-np-sv-z]{32,}")
    start = time.perf_counter()
    count = 0
    for _, data in files:
        for i in range(0, len(data), CHUNK):
            count += sum(1 for _ in run.finditer(data, i, i + CHUNK))
    elapsed = time.perf_counter() - start
    rate = total / 1e6 / elapsed
    print(f"re.finditer:  {total / 1e6:.0f} MB in {elapsed:.2f} s = {rate:.0f} MB/s ({count} runs)")


if __name__ == "__main__":
    main()
