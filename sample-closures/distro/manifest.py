"""Print a JSON-lines manifest of a root filesystem: [path, kind, size, mode, link target].

Read with lstat only (symlinks are never followed); hardlinks are reported as kind
``hardlink`` whose target is the first path seen with the same inode; sorted by path.
Usage: python3 manifest.py ROOTFS > manifest.jsonl
"""

from __future__ import annotations

import json
import os
import stat
import sys


def main(root: str) -> None:
    seen: dict[tuple[int, int], str] = {}
    rows = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            host = os.path.join(dirpath, name)
            path = os.path.relpath(host, root)
            st = os.lstat(host)
            mode = stat.S_IMODE(st.st_mode)
            if stat.S_ISDIR(st.st_mode):
                rows.append([path, "dir", 0, mode, None])
            elif stat.S_ISLNK(st.st_mode):
                rows.append([path, "symlink", 0, mode, os.readlink(host)])
            elif stat.S_ISREG(st.st_mode):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen:
                    rows.append([path, "hardlink", 0, mode, seen[key]])
                else:
                    seen[key] = path
                    rows.append([path, "file", st.st_size, mode, None])
            else:
                kind = "char" if stat.S_ISCHR(st.st_mode) else "fifo"
                rows.append([path, kind, 0, mode, None])
    for row in sorted(rows):
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
