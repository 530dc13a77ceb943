#!/usr/bin/env bash
# Formatting and clippy, natively and for the wasm-only code (the engine's worker glue).
# Not part of ./test.sh: the wasm clippy pass checks the whole burn stack again (~6 min).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings
with_wasm_std cargo clippy --target wasm32-unknown-unknown --release -p hearth -p hearth-engine -- -D warnings
echo "lint clean"
