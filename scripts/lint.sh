#!/usr/bin/env bash
# The project's rules: formatting, and clippy with Cargo.toml's [workspace.lints] and
# clippy.toml (no unwrap/expect/panic outside tests, no todo/unimplemented/dbg, documented
# unsafe, short functions), warnings denied, natively and for wasm32.
#
# Clippy is not a separate check build here: scripts/env.sh makes clippy-driver the
# compiler of the workspace's own crates, so this script lints by building every target
# the tests need: natively all of them (the test binaries the native tier then runs), and
# for wasm32 the page (its `page` profile, as scripts/page.sh builds it), both engines (CPU, WebGPU),
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
fetch_crates
wasm_log="$CARGO_TARGET_DIR/lint-wasm32.log"
(
  with_wasm_std cargo build --target wasm32-unknown-unknown --release -p hearth-engine --bin engine &&
    with_wasm_std cargo build --target wasm32-unknown-unknown --release -p hearth-engine --features webgpu --bin engine-gpu &&
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
