#!/usr/bin/env bash
# Runs every Hearth test, in three tiers, and ends with one "N passed, N failed" line:
#   1. native: cargo test for the whole workspace (hearth-core's logic, the page's state),
#      then the fuzz targets for 30 s each (HEARTH_FUZZ_SECONDS)
#   2. wasm: burn in a Web Worker in headless Chromium (wasm-bindgen-test)
#   3. end-to-end: Playwright drives the release dist/ served on 127.0.0.1
# The release build (scripts/build.sh) happens once, between tiers 1 and 2; the wasm tests
# reuse its dependency artifacts from the shared target directory.
set -uo pipefail
source "$(dirname "$0")/scripts/env.sh"
cd "$HEARTH_ROOT"

LOGS="$CARGO_TARGET_DIR/test-logs"
mkdir -p "$LOGS"
passed=0
failed=0

# run_tier NAME COMMAND...: runs, shows and logs the output, adds up its test counts.
run_tier() {
  local name=$1; shift
  local log="$LOGS/$name.log"
  local started=$SECONDS
  printf '\n==> %s: %s\n' "$name" "$*"
  "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  # cargo test / wasm-bindgen-test-runner: "test result: ok. 3 passed; 0 failed; ..."
  # node --test: "ℹ pass 3" / "ℹ fail 0"
  local counts
  counts=$(awk '
    /^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
    /^(ℹ|#) pass [0-9]+$/ { p += $NF }
    /^(ℹ|#) fail [0-9]+$/ { f += $NF }
    END { printf "%d %d", p, f }' "$log")
  local tier_passed=${counts% *} tier_failed=${counts#* }
  if [ "$status" -ne 0 ] && [ "$tier_failed" -eq 0 ]; then
    tier_failed=1   # it failed before any test could (a build error, a crash)
  fi
  passed=$((passed + tier_passed))
  failed=$((failed + tier_failed))
  printf '==> %s: %d passed, %d failed, exit %d, %d s\n' "$name" "$tier_passed" "$tier_failed" "$status" $((SECONDS - started))
  return "$status"
}

run_tier native cargo test --workspace
# The parsers of what users bring, fuzzed for a bounded time from the committed corpus.
run_tier fuzz scripts/fuzz.sh "${HEARTH_FUZZ_SECONDS:-30}"
if run_tier build scripts/build.sh; then
  run_tier wasm with_wasm_std cargo test -p hearth-engine --target wasm32-unknown-unknown --release --test browser -- --nocapture
  run_tier e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
else
  echo "==> the release build failed: skipping the wasm and end-to-end tiers"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
