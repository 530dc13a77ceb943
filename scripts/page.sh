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
# split_glue_and_optimise OUT: the split parts, wasm-bindgen's glue, wasm-opt, the names.
split_glue_and_optimise() {
  local out=$1 split=$1/.split
  wasm-split-cli "$linked" "$split" --out-name hearth
  # The chunks import the main part's functions by their linker names: keep them.
  wasm-bindgen --target web --keep-lld-exports --no-demangle --no-typescript \
    --out-dir "$out" --out-name hearth "$split/hearth.wasm"
  rm "$split/hearth.wasm"
  mv "$split/"* "$out/"
  rmdir "$split"
  for wasm in "$out/"*.wasm; do
    wasm-opt -Oz "${WASM_OPT_FEATURES[@]}" "$wasm" -o "$wasm" 2> >(grep -v "unknown name subsection" >&2)
  done
  node scripts/page.mjs name "$out" "$key"
}
cached "$CARGO_TARGET_DIR/page-split" "$key" split_glue_and_optimise
cp "$CACHED"/*.js "$CACHED"/*.wasm "$dist/"
node scripts/page.mjs link "$dist" "$key"
echo "the page ($key): $(ls "$CACHED" | wc -l) files in $((SECONDS - started)) s"
