#!/usr/bin/env bash
# Builds the release app into dist/: Trunk (the engine workers, the CSS, the assets), then
# the page (scripts/page.sh), then the steps below.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
fetch_crates
start=$(date +%s)
with_wasm_std trunk build --release "$@"
echo "trunk finished in $(( $(date +%s) - start )) s"
# The page: split into chunks between linking and wasm-bindgen, which Trunk cannot do.
scripts/page.sh dist
# The web runtime (dist/runtime/), which "Download for a web page" bundles with a model.
scripts/runtime.sh dist
# The threaded CPU engine (dist/engine-mt*), loaded where the page is cross-origin isolated.
scripts/engine-mt.sh dist
# The strict Content-Security-Policy: Trunk's inline start-up script becomes a file.
node scripts/csp.mjs dist
# The engines' wasm-opt pass, run here rather than by Trunk so that each output is cached
# by its input's hash: a page-only change skips it.
# The WebGPU engine at -O1: on 2026-12-04 it took 104 s here against -O2's 290 s, and its
# output was smaller gzipped (6.61 MB against 6.91 MB; raw 27.1 against 26.2 MB).
opt_cache="$CARGO_TARGET_DIR/engine-wasm-opt"
mkdir -p "$opt_cache"
optimise() {
  local wasm=$1 level=$2 started=$SECONDS
  local key
  key=$(sha256sum "$wasm" | cut -c1-64)$level
  if [ ! -f "$opt_cache/$key.wasm" ]; then
    wasm-opt "$level" "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$opt_cache/$key.tmp"
    mv "$opt_cache/$key.tmp" "$opt_cache/$key.wasm"
  fi
  touch "$opt_cache/$key.wasm"
  cp "$opt_cache/$key.wasm" "$wasm"
  echo "wasm-opt $level on $wasm took $((SECONDS - started)) s"
}
# Outputs no build has used for a day are dropped.
find "$opt_cache" -name '*.wasm' -mmin +1440 -delete
optimise dist/engine_bg.wasm -O2
optimise dist/engine-gpu_bg.wasm -O1
optimise dist/sound-decoder_bg.wasm -O2
# The service worker, with the list of this build's files (it hashes them), then the
# precompressed copies of every large file (hosts that can serve them send fewer bytes).
node scripts/offline.mjs dist
node scripts/compress.mjs dist "$CARGO_TARGET_DIR/brotli"
find "$CARGO_TARGET_DIR/brotli" -name '*.br' -mmin +1440 -delete
echo "dist/ built in $(( $(date +%s) - start )) s"

