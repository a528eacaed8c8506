#!/usr/bin/env bash
# Build the closurescope Nix sample closures with the real Nix and write every output file.
#
#   bash sample-closures/nix/make.sh [OUTDIR]
#
# OUTDIR defaults to this script's directory (the committed samples). Idempotent: rebuilding
# finds everything in /nix/store already. Installs nix-bin, busybox-static, rsync and sqlite3
# with apt-get when missing. Uses its own NIX_CONF_DIR (no substituters, no sandbox, no build
# users), roots the results under /nix/var/nix/gcroots/closurescope-samples/, never runs
# `nix-store --gc` on the shared store (the restricted database is made with `nix copy` into a
# private store instead, see README).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${1:-$HERE}
PYTHON=${PYTHON:-python3}
BUSYBOX=${BUSYBOX:-/bin/busybox}
GCDIR=/nix/var/nix/gcroots/closurescope-samples
ROOTS=(app-image-root-full app-image-root-minimal app-image-root-full-v2)

missing=()
command -v nix-build >/dev/null 2>&1 || missing+=(nix-bin)
[ -x "$BUSYBOX" ] || missing+=(busybox-static)
command -v rsync >/dev/null 2>&1 || missing+=(rsync)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
  echo "make.sh: installing ${missing[*]}" >&2
  apt-get install -y "${missing[@]}" >&2 || { apt-get update >&2 && apt-get install -y "${missing[@]}" >&2; }
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/closurescope-nix.XXXXXX")
cleanup() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

mkdir -p "$WORK/conf" "$WORK/busybox/bin" "$OUT" "$OUT/images"
cat > "$WORK/conf/nix.conf" <<'EOF'
experimental-features = nix-command
substituters =
sandbox = false
build-users-group =
EOF
export NIX_CONF_DIR="$WORK/conf"
export NIX_USER_CONF_FILES=
cp "$BUSYBOX" "$WORK/busybox/bin/busybox"
chmod 555 "$WORK/busybox/bin/busybox"

build() { # build ATTR LINKNAME: build and keep a GC root; prints the store path
  nix-build "$HERE/default.nix" --argstr busyboxDir "$WORK/busybox" -A "$1" \
    -o "$GCDIR/$2" >/dev/null
  readlink "$GCDIR/$2"
}
mkdir -p "$GCDIR"

declare -A ROOT
for name in "${ROOTS[@]}"; do
  ROOT[$name]=$(build "roots.$name" "$name")
done

for name in "${ROOTS[@]}"; do
  p=${ROOT[$name]}
  echo "make.sh: $name = $p" >&2
  nix path-info --json -r "$p" > "$OUT/$name.path-info.json"
  nix path-info --json -r -S "$p" > "$OUT/$name.path-info-S.json"
  nix path-info -rsS "$p" > "$OUT/$name.path-info-S.txt"
  nix-store -q --graph "$p" > "$OUT/$name.graph.dot"
  # shellcheck disable=SC2046
  nix-store --dump-db $(nix-store -q --requisites "$p") > "$OUT/$name.dump-db.txt"
  attrs=$(build "closureAttrs.$name" "closure-attrs-$name")
  cp "$attrs" "$OUT/$name.closure-attrs.json"
  graph=$(build "referencesGraphs.$name" "references-graph-$name")
  cp "$graph" "$OUT/$name.references-graph"
  chmod 644 "$OUT/$name.closure-attrs.json" "$OUT/$name.references-graph"
done

full=${ROOT[app-image-root-full]}
dep() { nix-store -q --requisites "$1" | grep -- "-$2\$"; }
nix why-depends "$full" "$(dep "$full" glibc-2.39)" > "$OUT/app-image-root-full.why-depends.glibc-2.39.txt"
nix why-depends "$full" "$(dep "$full" perl-5.38.2)" > "$OUT/app-image-root-full.why-depends.perl-5.38.2.txt"
nix why-depends --precise "$full" "$(dep "$full" perl-5.38.2)" \
  > "$OUT/app-image-root-full.why-depends-precise.perl-5.38.2.txt"
nix why-depends --precise "$full" "$(dep "$full" glibc-locales-2.39)" \
  > "$OUT/app-image-root-full.why-depends-precise.glibc-locales-2.39.txt"
nix why-depends --all "$full" "$(dep "$full" glibc-2.39)" \
  > "$OUT/app-image-root-full.why-depends-all.glibc-2.39.txt"
etc=$(dep "$full" etc)
nix why-depends --precise "$etc" "$(dep "$full" glibc-locales-2.39)" \
  > "$OUT/etc.why-depends-precise.glibc-locales-2.39.txt"
# What an upgrade changed, as Nix says it (colour codes removed): the truth for closurescope diff.
nix store diff-closures "$full" "${ROOT[app-image-root-full-v2]}" | sed 's/\x1b\[[0-9;]*m//g' \
  > "$OUT/app-image-root-full.diff-closures-v2.txt"

# A real Nix database holding exactly the three sample closures: `nix copy` them into a fresh
# private store, then take an SQLite backup of its db.sqlite.
nix copy --no-check-sigs --to "local?root=$WORK/dbstore" "${ROOT[@]}" 2>/dev/null
rm -f "$OUT/nix-db.sqlite"
sqlite3 "$WORK/dbstore/nix/var/nix/db/db.sqlite" ".backup '$OUT/nix-db.sqlite'"
# Nix keeps its database in WAL mode; the copy uses a rollback journal so that opening it
# read-only does not create -wal/-shm files next to it.
sqlite3 "$OUT/nix-db.sqlite" "PRAGMA journal_mode=DELETE;" >/dev/null

# buildImage's `rsync -ak` (keepContentsDirlinks = false) run for real on tzdata: `-k` turns
# the `posix -> .` self-loop into nested directories until the kernel's 40-symlink limit.
tz=$(dep "$full" tzdata-2024a)
set +e
rsync -ak --chown=0:0 "$tz/" "$WORK/tzdata-rsync-k/" 2> "$WORK/rsync.err"
rc=$?
set -e
{
  echo "\$ rsync -ak --chown=0:0 $tz/ layer/"
  sed "s|$WORK/tzdata-rsync-k|layer|g" "$WORK/rsync.err"
  echo "exit status: $rc"
} > "$OUT/images/tzdata-rsync-k.log"

"$PYTHON" "$HERE/derive_shapes.py" "$OUT"
"$PYTHON" "$HERE/make_images.py" --samples "$OUT" --out "$OUT/images" \
  --tzdata-copy "$WORK/tzdata-rsync-k" --tzdata "$tz"

{
  for name in "${ROOTS[@]}"; do
    echo "$name ${ROOT[$name]}"
  done
  echo "busybox $(readlink -f "$BUSYBOX") sha256 $(sha256sum < "$BUSYBOX" | cut -d' ' -f1)" \
    "store $(nix-instantiate --eval \
      -E "(import $HERE/default.nix { busyboxDir = \"$WORK/busybox\"; }).busybox" | tr -d '"')"
} > "$OUT/roots.txt"
echo "make.sh: wrote $OUT" >&2
