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
cache="$CARGO_TARGET_DIR/runtime-build"
out="$cache/$key"
if [ ! -f "$out/.done" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  wasm-bindgen --target web --no-typescript --out-dir "$work" --out-name hearth_runtime "$linked"
  wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$work/hearth_runtime_bg.wasm" -o "$work/hearth_runtime_bg.wasm"
  cp crates/runtime/js/hearth.js "$work/"
  mkdir -p "$cache"
  rm -rf "$out"
  mv "$work" "$out"
  touch "$out/.done"
fi
touch "$out"
find "$cache" -mindepth 1 -maxdepth 1 -type d -mmin +1440 -exec rm -rf {} +
mkdir -p "$dist/runtime"
cp "$out"/hearth.js "$out"/hearth_runtime.js "$out"/hearth_runtime_bg.wasm "$dist/runtime/"
echo "the web runtime ($key): $(du -cb "$dist"/runtime/* | tail -1 | cut -f1) bytes in $((SECONDS - started)) s"
