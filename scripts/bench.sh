#!/usr/bin/env bash
# The benchmark against TensorFlow.js (issue 9): builds the release app and the native CLI,
# then runs bench/run.mjs, which serves the app on 127.0.0.1 and trains the same models on
# the same data with Hearth and TensorFlow.js 4.22 in one headless Chromium session.
# Writes bench/results/RESULTS.md (the table with ratios), chart.svg and results.json.
#
#   scripts/bench.sh           # the full run (about half an hour on 2 cores)
#   scripts/bench.sh --quick   # a short run that proves the bench works (CI)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
if [[ "${HEARTH_SKIP_BUILD:-}" != 1 ]]; then
  scripts/build.sh
  cargo build --release --quiet -p hearth-cli
fi
node bench/run.mjs "$@"
