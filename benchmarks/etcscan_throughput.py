"""Throughput of the /etc marker scanner (EtcScanner) on random bytes and on real programs.

Usage: python benchmarks/etcscan_throughput.py [DIR ...]   (default: /usr/lib /usr/bin)

Prints MB/s for 16 MiB of random bytes fed in 1 MiB chunks (as the layer streaming does) and
for the executables and shared libraries under the given directories (what the loaders scan),
beside the naive definition (one ``in`` test per marker) on the same bytes.
"""

from __future__ import annotations

import os
import sys
import time

from closurescope.loaders._etcscan import find_markers, scan_chunks

CHUNK = 1 << 20


def chunked(data: bytes) -> list[bytes]:
    return [data[i : i + CHUNK] for i in range(0, len(data), CHUNK)]


def programs(dirs: list[str]) -> list[bytes]:
    out: list[bytes] = []
    for top in dirs:
        for root, _, names in os.walk(top):
            for name in sorted(names):
                path = os.path.join(root, name)
                if os.path.islink(path) or not os.path.isfile(path):
                    continue
                if ".so" in name or os.access(path, os.X_OK):
                    with open(path, "rb") as fh:
                        out.append(fh.read())
    return out


def rate(label: str, blobs: list[bytes], scan: object) -> None:
    total = sum(len(b) for b in blobs)
    start = time.perf_counter()
    for blob in blobs:
        scan(blob)  # type: ignore[operator]
    elapsed = time.perf_counter() - start
    print(f"{label:<40} {total / 1e6:8.1f} MB  {total / 1e6 / elapsed:8.1f} MB/s")


def main() -> None:
    dirs = sys.argv[1:] or ["/usr/lib", "/usr/bin"]
    random_bytes = [os.urandom(16 << 20)]
    real = programs(dirs)
    rate("EtcScanner, random bytes", random_bytes, lambda b: scan_chunks(chunked(b)))
    rate("naive `in` per marker, random bytes", random_bytes, find_markers)
    rate("EtcScanner, programs and libraries", real, lambda b: scan_chunks(chunked(b)))
    rate("naive `in` per marker, programs", real, find_markers)


if __name__ == "__main__":
    main()
