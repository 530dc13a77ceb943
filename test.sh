#!/usr/bin/env bash
# Runs every Hearth test, in three tiers, and ends with one "N passed, N failed" line:
#   1. native: cargo test for the whole workspace (hearth-core's logic, the page's state,
#      the committed fuzz corpora replayed through the fuzz targets' entry points)
#   2. wasm: burn in a Web Worker in headless Chromium (wasm-bindgen-test)
#   3. end-to-end: Playwright drives the release dist/ served on 127.0.0.1
# The release build (scripts/build.sh) runs once, alongside the native tier: the two use
# different parts of the shared target directory (target/debug against the wasm32 and
# release folders), and on 2 cores each fills the other's single-threaded stretches
# (linking, fat LTO of the page, long single tests). The wasm tests reuse its dependency
# artifacts. Fuzzing proper (libFuzzer) is scripts/fuzz.sh, outside this script.
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
  count_tier "$name" "${PIPESTATUS[0]}" "$started"
}

# count_tier NAME STATUS STARTED: adds up the test counts of NAME's log.
count_tier() {
  local name=$1 status=$2 started=$3
  local log="$LOGS/$name.log"
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

# The release build in the background, its output in its log (shown once it is done).
build_started=$SECONDS
printf '\n==> build (in the background): scripts/build.sh\n'
scripts/build.sh >"$LOGS/build.log" 2>&1 &
build_pid=$!
run_tier native cargo test --workspace
build_status=0
wait "$build_pid" || build_status=$?
printf '\n==> build: scripts/build.sh (its last lines)\n'
tail -n 25 "$LOGS/build.log"
count_tier build "$build_status" "$build_started"
if [ "$build_status" -eq 0 ]; then
  run_tier wasm with_wasm_std cargo test -p hearth-engine --target wasm32-unknown-unknown --release --test browser -- --nocapture
  run_tier e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
else
  echo "==> the release build failed: skipping the wasm and end-to-end tiers"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
