#!/usr/bin/env bash
# Builds the release app into dist/ (page + engine worker, wasm-opt applied).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
fetch_crates
start=$(date +%s)
with_wasm_std trunk build --release "$@"
echo "trunk finished in $(( $(date +%s) - start )) s"
# The strict Content-Security-Policy: Trunk's inline start-up script becomes a file.
node scripts/csp.mjs dist
# The engine's wasm-opt pass, kept out of Trunk so that `trunk serve` rebuilds stay quick:
# -O1: on 2026-12-04 it took 104 s here against -O2's 290 s, and its output was smaller
# gzipped (6.61 MB against 6.91 MB; raw 27.1 against 26.2 MB; 8.37 MB gzipped before).
# Its output is cached by the input's hash, so a page-only change skips it.
opt_start=$(date +%s)
opt_cache="$CARGO_TARGET_DIR/engine-wasm-opt"
mkdir -p "$opt_cache"
opt_key=$(sha256sum dist/engine_bg.wasm | cut -c1-64)
if [ ! -f "$opt_cache/$opt_key.wasm" ]; then
  rm -f "$opt_cache"/*.wasm
  wasm-opt -O1 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    dist/engine_bg.wasm -o "$opt_cache/$opt_key.tmp"
  mv "$opt_cache/$opt_key.tmp" "$opt_cache/$opt_key.wasm"
fi
cp "$opt_cache/$opt_key.wasm" dist/engine_bg.wasm
echo "wasm-opt on the engine took $(( $(date +%s) - opt_start )) s"
echo "dist/ built in $(( $(date +%s) - start )) s"
for wasm in dist/*.wasm; do
  printf '%-40s %10d bytes raw %10d bytes gzipped\n' "$wasm" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
done
