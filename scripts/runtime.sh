#!/usr/bin/env bash
# Builds Hearth's web runtime (crates/runtime) into DIST/runtime/: the wasm (profile
# `page`: built for size) through wasm-bindgen (an ES module) and wasm-opt -Oz, and
# js/hearth.js, the module pages import. The studio's "Download for a web page" bundles
# these files with the model. scripts/build.sh runs it; the output is cached by the
# linked wasm's hash and the JavaScript's.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
dist="${1:-dist}"
started=$SECONDS
with_wasm_std cargo build --quiet --target wasm32-unknown-unknown --profile page -p hearth-runtime --lib
linked="$CARGO_TARGET_DIR/wasm32-unknown-unknown/page/hearth_runtime.wasm"
key=$(cat "$linked" crates/runtime/js/hearth.js | sha256sum | cut -c1-16)
# glue_and_optimise OUT: wasm-bindgen and wasm-opt of the linked runtime, and hearth.js, into OUT.
glue_and_optimise() {
  wasm-bindgen --target web --no-typescript --out-dir "$1" --out-name hearth_runtime "$linked"
  wasm-opt -Oz "${WASM_OPT_FEATURES[@]}" "$1/hearth_runtime_bg.wasm" -o "$1/hearth_runtime_bg.wasm"
  cp crates/runtime/js/hearth.js "$1/"
}
cached "$CARGO_TARGET_DIR/runtime-build" "$key" glue_and_optimise
mkdir -p "$dist/runtime"
cp "$CACHED"/hearth.js "$CACHED"/hearth_runtime.js "$CACHED"/hearth_runtime_bg.wasm "$dist/runtime/"
echo "the web runtime ($key): $(du -cb "$dist"/runtime/* | tail -1 | cut -f1) bytes in $((SECONDS - started)) s"
