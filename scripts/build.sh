#!/usr/bin/env bash
# Builds the release app into dist/ (page + engine worker, wasm-opt applied).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
# Offline trunk builds need every crate present, std's own (built from source) included.
with_wasm_std cargo fetch --quiet --target wasm32-unknown-unknown
cargo fetch --quiet
start=$(date +%s)
with_wasm_std trunk build --release "$@"
echo "dist/ built in $(( $(date +%s) - start )) s"
for wasm in dist/*.wasm; do
  printf '%-40s %10d bytes raw %10d bytes gzipped\n' "$wasm" "$(stat -c %s "$wasm")" "$(gzip -9 -c "$wasm" | wc -c)"
done
