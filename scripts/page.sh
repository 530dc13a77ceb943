#!/usr/bin/env bash
# Builds the page (the leptos UI) into dist/ (scripts/build.sh runs it after Trunk):
#   cargo (profile `page`, linked with its relocations) → wasm-split-cli (the steps after
#   Data become chunks fetched when first opened, src/app/chunks.rs) → wasm-bindgen →
#   wasm-opt -Oz on the main part and each chunk → names by the build (scripts/page.mjs) →
#   index.html links it.
# Trunk cannot build it: splitting has to happen between linking and wasm-bindgen.
# The output of the last three steps is cached by the linked wasm's hash, so a build that
# did not change the page only copies it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
dist="${1:-dist}"
started=$SECONDS
build_page_wasm --quiet
linked="$CARGO_TARGET_DIR/wasm32-unknown-unknown/page/hearth.wasm"
key=$(sha256sum "$linked" | cut -c1-16)
cache="$CARGO_TARGET_DIR/page-split"
out="$cache/$key"
if [ ! -f "$out/.done" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  wasm-split-cli "$linked" "$work/split" --out-name hearth
  # The chunks import the main part's functions by their linker names: keep them.
  wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
    --out-dir "$work/page" --out-name hearth "$work/split/hearth.wasm"
  rm "$work/split/hearth.wasm"
  mv "$work/split/"* "$work/page/"
  for wasm in "$work/page/"*.wasm; do
    wasm-opt -Oz --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$wasm" -o "$wasm" 2> >(grep -v "unknown name subsection" >&2)
  done
  node scripts/page.mjs name "$work/page" "$key"
  mkdir -p "$cache"
  rm -rf "$out"
  mv "$work/page" "$out"
  touch "$out/.done"
fi
touch "$out"
# Builds no build has used for a day are dropped.
find "$cache" -mindepth 1 -maxdepth 1 -type d -mmin +1440 -exec rm -rf {} +
cp "$out"/*.js "$out"/*.wasm "$dist/"
node scripts/page.mjs link "$dist" "$key"
echo "the page ($key): $(ls "$out" | wc -l) files in $((SECONDS - started)) s"
