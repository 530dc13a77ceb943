#!/usr/bin/env bash
# Runs every Hearth test and ends with one "N passed, N failed" line:
#   0. lint: formatting, and clippy, which rides on the builds (scripts/lint.sh builds every
#      target natively and for wasm32 with clippy-driver as the workspace's compiler)
#   1. native: cargo test for the whole workspace (hearth-core's logic, the page's state,
#      the committed fuzz corpora replayed through the fuzz targets' entry points)
#   2. wasm: burn in a Web Worker in headless Chromium (wasm-bindgen-test)
#   3. end-to-end: Playwright drives the release dist/ served on 127.0.0.1
# Everything is compiled once, by the lint tier; the native tier then only runs its tests,
# while scripts/build.sh (Trunk and scripts/page.sh, which find the wasm32 builds done, then
# the page's split, wasm-bindgen and the wasm-opt passes) runs beside it. Fuzzing proper (libFuzzer) is scripts/fuzz.sh.
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

if ! run_tier lint scripts/lint.sh; then
  echo "==> lint failed: the builds the tests need stop at the first lint error; fix it first"
  echo
  echo "$passed passed, $((failed)) failed"
  exit 1
fi
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
  run_tier wasm with_wasm_std cargo test -p hearth-engine --features webgpu --target wasm32-unknown-unknown --release --test browser -- --nocapture
  run_tier e2e node --test --test-concurrency=1 --test-reporter=spec tests/e2e/
else
  echo "==> the release build failed: skipping the wasm and end-to-end tiers"
  failed=$((failed + 1))
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
