#!/usr/bin/env bash
# Fuzzes the parsers that read what users bring (cargo fuzz, libFuzzer), each target for a
# bounded time, starting from the committed seed corpus in fuzz/corpus/TARGET.
#
#   scripts/fuzz.sh            # each target for 60 s
#   scripts/fuzz.sh 600 csv    # one target for 10 minutes
#
# Targets: csv (read, summarise, prepare), model_file (header, description, weights).
# libFuzzer stops at the first panic, or at any single allocation over 256 MB (from inputs
# of at most 64 KB: a file that claims gigabytes must be refused before allocating), and
# leaves the input under fuzz/artifacts/TARGET/. New inputs it finds go to a scratch
# corpus, not the committed one: add one by hand when it is worth keeping.
#
# Built with Debian's rustc (RUSTC_BOOTSTRAP for the coverage flags) and no sanitizer:
# the code is safe Rust, and what is fuzzed for is panics and allocations.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT/fuzz"
seconds="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv model_file)
# cargo-fuzz is installed here on first use, not by setup.sh: ./test.sh only replays the
# committed corpora as ordinary tests (crates/core/tests/fuzz_corpus.rs).
if ! cargo fuzz --version 2>/dev/null | grep -q '0.13'; then
  echo "==> cargo install cargo-fuzz@0.13.2 (first use)"
  CARGO_TARGET_DIR="${HEARTH_TOOLS_TARGET:-/tmp/hearth-tools-target}" \
    cargo install cargo-fuzz@0.13.2 --locked
fi
# The fuzz build is not linted: its coverage flags make a build of its own, and the code it
# fuzzes (hearth_core::hostile) is linted by the workspace's builds.
unset RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS CLIPPY_CONF_DIR
# Its own target directory: the coverage flags would otherwise rebuild the shared one.
export CARGO_TARGET_DIR="$HOME/.cache/hearth/fuzz-target"
export RUSTC_BOOTSTRAP=1
cargo fuzz build --release --sanitizer none
failed=0
for target in "${targets[@]}"; do
  scratch="$CARGO_TARGET_DIR/corpus/$target"
  mkdir -p "$scratch" "artifacts/$target"
  echo "==> fuzz $target for ${seconds} s"
  if cargo fuzz run --release --sanitizer none "$target" "$scratch" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 -malloc_limit_mb=256 -rss_limit_mb=4096 \
    -timeout=30 -print_final_stats=1 2>"$CARGO_TARGET_DIR/fuzz-$target.log"; then
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)|^Done" "$CARGO_TARGET_DIR/fuzz-$target.log" || true
    echo "PASS fuzz $target"
  else
    tail -40 "$CARGO_TARGET_DIR/fuzz-$target.log"
    echo "FAIL fuzz $target (the input is under fuzz/artifacts/$target/)"
    failed=$((failed + 1))
  fi
done
# The line test.sh counts, as cargo test writes it.
echo "test result: fuzz. $((${#targets[@]} - failed)) passed; $failed failed"
exit "$failed"
