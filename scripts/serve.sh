#!/usr/bin/env bash
# Serves the app with live rebuilds at http://127.0.0.1:8080. It builds with the release
# profile, so it reuses what scripts/build.sh and the tests compiled (a debug build of burn
# for wasm would be a second 15-minute build); the engine skips wasm-opt here.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
fetch_crates
with_wasm_std trunk serve --release "$@"
