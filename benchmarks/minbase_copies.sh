#!/bin/sh
# Make "minbase plus copies": a copy of a Debian minbase rootfs (hardlinks kept) with the
# copies people ship by mistake added, for the duplicate benchmarks and peer tests.
#   benchmarks/minbase_copies.sh SRC DST
# Added (all real bytes from the rootfs itself):
#   opt/app/zoneinfo       cp -rL of usr/share/zoneinfo (links dereferenced: duplicate files)
#   opt/app/perl-base      cp -a of usr/lib/x86_64-linux-gnu/perl-base (a duplicate tree)
#   opt/app/runtime        cp -a of usr/lib/x86_64-linux-gnu (a duplicate tree with the one above inside)
#   srv/backup/share       cp -a of usr/share/{man,doc,locale,zoneinfo} (links kept as links)
#   srv/backup/dpkg        cp -a of var/lib/dpkg
#   root/zoneinfo-rsync    the tzdata pattern: zoneinfo/Europe beside a posix -> . link,
#                          materialised 3 levels deep (posix/posix/posix/Europe)
set -eu
src=$1
dst=$2
[ -d "$src/usr/share/zoneinfo" ] || { echo "$src: not a Debian rootfs" >&2; exit 2; }
rm -rf "$dst.tmp"
cp -a "$src" "$dst.tmp"
d=$dst.tmp
mkdir -p "$d/opt/app" "$d/srv/backup/share" "$d/root/zoneinfo-rsync"
cp -rL "$src/usr/share/zoneinfo" "$d/opt/app/zoneinfo"
cp -a "$src/usr/lib/x86_64-linux-gnu/perl-base" "$d/opt/app/perl-base"
cp -a "$src/usr/lib/x86_64-linux-gnu" "$d/opt/app/runtime"
for part in man doc locale zoneinfo; do cp -a "$src/usr/share/$part" "$d/srv/backup/share/$part"; done
cp -a "$src/var/lib/dpkg" "$d/srv/backup/dpkg"
level=$d/root/zoneinfo-rsync
for depth in 1 2 3 4; do
  cp -a "$src/usr/share/zoneinfo/Europe" "$level/Europe"
  [ "$depth" = 4 ] && break
  mkdir "$level/posix"
  level=$level/posix
done
rm -rf "$dst"
mv "$d" "$dst"
