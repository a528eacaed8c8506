#!/usr/bin/env bash
# Make the real Nix outputs the loader tests read: make.sh OUTDIR STOREROOT
# Builds closure.nix into a chroot store at STOREROOT (never the default /nix/store) with
# Nix 2.8 (Debian's nix-bin) and writes every format closurescope's Nix loaders read.
set -euo pipefail
out=$1
root=$2
here=$(cd "$(dirname "$0")" && pwd)
conf=$(mktemp -d)
trap 'rm -rf "$conf"' EXIT
printf 'experimental-features = nix-command\nsubstituters =\nsandbox = false\nbuild-users-group =\n' >"$conf/nix.conf"
export NIX_CONF_DIR=$conf NIX_USER_CONF_FILES= NIX_REMOTE="local?root=$root"
mkdir -p "$conf/bb/bin" "$out"
cp "$(command -v busybox)" "$conf/bb/bin/busybox"
app=$(nix-build --no-out-link "$here/closure.nix" -A app --arg bbdir "$conf/bb" 2>/dev/null)
graph=$(nix-build --no-out-link "$here/closure.nix" -A graph --arg bbdir "$conf/bb" 2>/dev/null)
cat "$root$graph" >"$out/export-references-graph"
nix path-info --json -r "$app" >"$out/path-info.json"
nix path-info --json -rS "$app" >"$out/path-info-S.json"
nix path-info -rsS "$app" >"$out/path-info-S.txt"
nix path-info --json "$app" >"$out/path-info-single.json"
nix path-info --json "$app" "${app%-bin}-gone" >"$out/path-info-invalid.json" 2>/dev/null || true
nix-store -q --graph "$app" >"$out/graph.dot"
# shellcheck disable=SC2046
nix-store --dump-db $(nix-store -qR "$app") >"$out/dump-db"
echo "$app" >"$out/root"
cp "$root/nix/var/nix/db/db.sqlite" "$out/db.sqlite"
