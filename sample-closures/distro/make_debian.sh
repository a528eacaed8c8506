#!/usr/bin/env bash
# Make the Debian sample: a real `debootstrap --variant=minbase bookworm` root filesystem,
# of which we keep the dpkg database (status + info/*.list, as dpkg wrote them) and a gzipped
# JSON-lines manifest of every entry (path, kind, size, mode, link target), read with lstat.
# Needs root, debootstrap and Debian's mirror (a package registry). Usage:
#   sample-closures/distro/make_debian.sh [WORKDIR]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="${1:-$(mktemp -d)}"
root="$work/rootfs"
if [ ! -e "$root/var/lib/dpkg/status" ]; then
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian
fi
out="$here/debian-bookworm-minbase"
rm -rf "$out"
mkdir -p "$out/var/lib/dpkg/info"
cp "$root/var/lib/dpkg/status" "$out/var/lib/dpkg/status"
cp "$root"/var/lib/dpkg/info/*.list "$out/var/lib/dpkg/info/"
python3 "$here/manifest.py" "$root" | gzip -n -9 > "$here/debian-bookworm-minbase.manifest.jsonl.gz"
echo "wrote $out and debian-bookworm-minbase.manifest.jsonl.gz"
