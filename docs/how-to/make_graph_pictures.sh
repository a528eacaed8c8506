#!/usr/bin/env bash
# Regenerate the pictures of docs/how-to/graphs.md from the repository's samples with the real
# CLI and the real Graphviz `dot`. Run from anywhere: bash docs/how-to/make_graph_pictures.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
CS=(".venv/bin/python" "-m" "closurescope")
[ -x .venv/bin/python ] || CS=("python3" "-m" "closurescope")
command -v dot >/dev/null || { echo "dot (Graphviz) is not installed: apt-get install graphviz" >&2; exit 2; }
NIX=sample-closures/nix
OUT=docs/how-to/img
mkdir -p "$OUT"

run() {  # run and echo a command line
  echo "+ closurescope $*"
  "${CS[@]}" "$@"
}

for fmt in svg png; do
  run graph "$NIX/app-image-root-full.path-info-S.json" -o "$OUT/closure.$fmt"
done
run graph "$NIX/app-image-root-full.path-info-S.json" -o "$OUT/closure.dot"
run graph "$NIX/images/app-full.docker.tar" -o "$OUT/image-top6.png" --top 6
run graph "$NIX/app-image-root-full.path-info-S.json" -o "$OUT/why-perl.png" --why perl
run graph "$NIX/app-image-root-full.path-info-S.json" -o "$OUT/focus-openssl.png" \
  --focus openssl --depth 1
run graph "$NIX/app-image-root-full.path-info-S.json" "$NIX/app-image-root-full-v2.path-info-S.json" \
  -o "$OUT/diff.png"
run graph "$NIX/app-image-root-full.path-info-S.json" -o "$OUT/reduced.png" --reduce --no-legend
run graph "$NIX/images/app-full.docker.tar" -o "$OUT/layers.png" --by layer --no-legend
run graph sample-closures/images/image.docker.tar -o "$OUT/image-layers-self.png" --by self
