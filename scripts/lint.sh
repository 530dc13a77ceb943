#!/usr/bin/env bash
# The project's rules: formatting, and clippy with Cargo.toml's [workspace.lints] and
# clippy.toml (no unwrap/expect/panic outside tests, no todo/unimplemented/dbg, documented
# unsafe, short functions), warnings denied, natively and for wasm32.
#
# Clippy is not a separate check build here: scripts/env.sh makes clippy-driver the
# compiler of the workspace's own crates, so this script lints by building every target
# the tests need: natively all of them (the test binaries the native tier then runs), and
# for wasm32 the page (its `page` profile, as scripts/page.sh builds it), the three engines (CPU,
# WebGPU, the threaded CPU one),
# the sound decoder, the web runtime
# and the engine's browser test. ./test.sh runs it first, and its tiers reuse these builds; the wasm32
# builds run beside the native one, each filling the other's single-threaded stretches.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
if [[ "${HEARTH_LINT:-on}" == off ]]; then
  echo "lint.sh: HEARTH_LINT=off turns clippy off; unset it" >&2
  exit 2
fi
cargo fmt --all -- --check
echo "==> formatting clean"
# The patched crates (patches/README.md) are their crates.io release plus the change in their
# .patch file, and nothing else: undone, the patch gives back the release's files exactly.
check_patched() {
  local crate=$1 change=$2 work listed found
  work=$(mktemp -d)
  cp -r "patches/$crate/." "$work/"
  (cd "$work" && git apply -R "$HEARTH_ROOT/patches/$change") &&
    (cd "$work" && sha256sum --quiet --strict -c "$HEARTH_ROOT/patches/$crate.sha256")
  local status=$?
  listed=$(sed 's/^[0-9a-f]*  //' "patches/$crate.sha256" | sort)
  found=$(cd "$work" && find . -type f | sort)
  rm -rf "$work"
  if [ "$status" -ne 0 ] || [ "$listed" != "$found" ]; then
    echo "patches/$crate is not its release plus patches/$change (see patches/README.md)" >&2
    return 1
  fi
}
check_patched gemm-f32 gemm-f32-relaxed-madd.patch
echo "==> patched crates are their releases plus their patches"
fetch_crates
wasm_log="$CARGO_TARGET_DIR/lint-wasm32.log"
(
  with_wasm_std cargo build --target wasm32-unknown-unknown --release -p hearth-engine --bin engine &&
    with_wasm_std cargo build --target wasm32-unknown-unknown --release -p hearth-engine --features webgpu --bin engine-gpu &&
    scripts/engine-mt.sh --lint &&
    with_wasm_std cargo build --target wasm32-unknown-unknown --release -p hearth-decoder --bin sound-decoder &&
    build_page_wasm &&
    with_wasm_std cargo build --target wasm32-unknown-unknown --profile page -p hearth-runtime --lib &&
    with_wasm_std cargo test --target wasm32-unknown-unknown --release -p hearth-engine --features webgpu --test browser --no-run
) >"$wasm_log" 2>&1 &
wasm_pid=$!
native_status=0
cargo test --workspace --no-run || native_status=$?
wasm_status=0
wait "$wasm_pid" || wasm_status=$?
echo "==> wasm32 (page, engine, browser test), from $wasm_log:"
if [ "$wasm_status" -ne 0 ]; then
  grep -E -A 12 "^(error|warning)" "$wasm_log" | head -150
  tail -n 5 "$wasm_log"
else
  tail -n 3 "$wasm_log"
fi
if [ "$native_status" -ne 0 ] || [ "$wasm_status" -ne 0 ]; then
  echo "lint failed (native exit $native_status, wasm32 exit $wasm_status)"
  exit 1
fi
echo "lint clean"
