"""Write the manifest of the HAND-WRITTEN Alpine sample (alpine-3.19-hand).

Alpine's mirror is not reachable from the machines this project is built on, so this sample is
not from a real Alpine image: ``alpine-3.19-hand/lib/apk/db/installed`` was written by hand in
apk's documented installed-database format (``P:``/``V:``/``A:``/``D:``/``p:``/``r:``, ``F:``
directories with their ``R:`` files, ``a:``/``M:`` modes, ``Z:`` checksums (made up)), modelled
on Alpine 3.19's base packages. The file sizes below are round numbers near the real ones. The
manifest lists the tree such an image would have, in the same JSON-lines form as manifest.py.
Usage: python3 make_alpine.py > alpine-3.19-hand.manifest.jsonl (then gzip -n).
"""

from __future__ import annotations

import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
DB = "lib/apk/db/installed"

FILES = {
    "lib/ld-musl-x86_64.so.1": (654_000, 0o755),
    "bin/busybox": (920_000, 0o755),
    "etc/securetty": (99, 0o644),
    "etc/busybox-paths.d/busybox": (3_500, 0o644),
    "usr/share/udhcpc/default.script": (3_200, 0o755),
    "etc/fstab": (89, 0o644),
    "etc/group": (682, 0o644),
    "etc/hostname": (10, 0o644),
    "etc/hosts": (79, 0o644),
    "etc/inittab": (570, 0o644),
    "etc/modules": (15, 0o644),
    "etc/nsswitch.conf": (205, 0o644),
    "etc/passwd": (1_172, 0o644),
    "etc/profile": (1_039, 0o644),
    "etc/protocols": (1_865, 0o644),
    "etc/services": (12_813, 0o644),
    "etc/shadow": (422, 0o640),
    "etc/shells": (38, 0o644),
    "etc/sysctl.conf": (53, 0o644),
    "etc/motd": (283, 0o644),
    "etc/profile.d/color_prompt.sh.disabled": (611, 0o644),
    "etc/ssl/certs/ca-certificates.crt": (221_000, 0o644),
    "etc/ssl/openssl.cnf.dist": (12_292, 0o644),
    "etc/ssl/ct_log_list.cnf": (412, 0o644),
    "usr/lib/libcrypto.so.3": (4_000_000, 0o755),
    "usr/lib/libssl.so.3": (600_000, 0o755),
    "lib/libz.so.1.3.1": (100_000, 0o755),
    "sbin/apk": (70_000, 0o755),
    "usr/lib/libapk.so.2.14.0": (220_000, 0o755),
    # owned by no package (as in a real image): apk's own state and the application
    "etc/apk/world": (60, 0o644),
    "etc/apk/repositories": (104, 0o644),
    "app/hello.sh": (42, 0o755),
}
LINKS = {
    "lib/libc.musl-x86_64.so.1": "ld-musl-x86_64.so.1",
    "bin/sh": "/bin/busybox",
    "etc/mtab": "../proc/mounts",
    "etc/ssl/cert.pem": "certs/ca-certificates.crt",
    "lib/libz.so.1": "libz.so.1.3.1",
}
DIRS = ["dev", "proc", "root", "tmp", "var/cache/misc", "etc/apk/keys", "lib/apk/exec"]


def main() -> None:
    rows: dict[str, list[object]] = {}

    def add_dirs(path: str) -> None:
        parts = path.split("/")
        for i in range(1, len(parts)):
            d = "/".join(parts[:i])
            rows.setdefault(d, [d, "dir", 0, 0o755, None])

    for d in DIRS:
        add_dirs(d + "/x")
    files = dict(FILES)
    files[DB] = (os.path.getsize(os.path.join(HERE, "alpine-3.19-hand", DB)), 0o644)
    for path, (size, mode) in files.items():
        add_dirs(path)
        rows[path] = [path, "file", size, mode, None]
    for path, target in LINKS.items():
        add_dirs(path)
        rows[path] = [path, "symlink", 0, 0o777, target]
    for path in sorted(rows):
        print(json.dumps(rows[path]))


if __name__ == "__main__":
    main()
