#!/usr/bin/env bash
# Builds the threaded CPU engine into DIST/engine-mt.js and DIST/engine-mt_bg.wasm: the
# CPU engine (crates/engine, bin `engine`) with the `threads` feature, compiled with
# WebAssembly threads (atomics, bulk memory: its memory is shared with the pool's workers,
# see crates/engine/src/worker/threads.rs), std rebuilt the same way, and relaxed SIMD in
# the matrix kernels (fused multiply-add, patches/README.md), then wasm-bindgen
# (a classic worker script, as Trunk writes the other engines) and wasm-opt. Its own target
# directory, since these flags differ from every other wasm build's. scripts/build.sh runs
# it (and scripts/lint.sh with --lint: compile only); the output is cached by the linked
# wasm's hash. engine-loader.js loads it in place of
# the single-threaded engine where the page is cross-origin isolated.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
# `--lint`: compile (with clippy, as every build here) and stop; scripts/lint.sh runs that.
dist="${1:-dist}"
started=$SECONDS
target="$CARGO_TARGET_DIR/threads"
# The link makes the memory shared, imported (each thread's instance is given it) and at
# most 4 GiB, as the single-threaded engine's may grow, and exports the thread-local
# storage's symbols, which wasm-bindgen's thread support initialises in each thread. Rust
# 1.96 does not add these for wasm32-unknown-unknown with atomics; `cargo rustc` gives
# them to the engine's final link alone (changing RUSTFLAGS would rebuild every crate).
link=""
for arg in --shared-memory --import-memory --max-memory=4294967296 --export=__wasm_init_tls \
  --export=__tls_size --export=__tls_align --export=__tls_base; do
  link="$link -C link-arg=$arg"
done
# The build's output without rustc's note that atomics is an unstable target feature.
log=$(mktemp)
status=0
# shellcheck disable=SC2086
# Relaxed SIMD for gemm-f32 alone (its kernel's fused multiply-add, patches/README.md):
# macerator 0.5.2, burn's other SIMD crate, does not compile with it.
RUSTFLAGS="-C target-feature=+simd128,+atomics,+bulk-memory,+mutable-globals" \
  CARGO_TARGET_DIR="$target" with_wasm_std cargo rustc --quiet --target wasm32-unknown-unknown \
  --config 'profile.release.package.gemm-f32.rustflags=["-C", "target-feature=+relaxed-simd"]' \
  --release -p hearth-engine --bin engine --features threads -- $link >"$log" 2>&1 || status=$?
grep -v -e 'unstable feature specified for `-Ctarget-feature`: `atomics`' \
  -e "this feature is not stably supported" -e '^  |$' -e '^$' "$log" || true
rm -f "$log"
[ "$status" = 0 ] || exit "$status"
if [ "$dist" = --lint ]; then
  exit 0
fi
linked="$target/wasm32-unknown-unknown/release/engine.wasm"
key=$(sha256sum "$linked" | cut -c1-16)
# glue_and_optimise OUT: wasm-bindgen and wasm-opt of the linked engine into OUT.
glue_and_optimise() {
  wasm-bindgen --target no-modules --no-typescript --out-dir "$1" --out-name engine-mt "$linked"
  wasm-opt -O2 --enable-threads --enable-relaxed-simd "${WASM_OPT_FEATURES[@]}" \
    "$1/engine-mt_bg.wasm" -o "$1/engine-mt_bg.wasm"
}
cached "$CARGO_TARGET_DIR/engine-mt-build" "$key" glue_and_optimise
cp "$CACHED"/engine-mt.js "$CACHED"/engine-mt_bg.wasm "$dist/"
echo "the threaded engine ($key): $(du -cb "$dist"/engine-mt* | tail -1 | cut -f1) bytes in $((SECONDS - started)) s"
