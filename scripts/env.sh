# Shared environment for Hearth's scripts; source it, do not run it.
# One persistent target directory outside the clone, shared by native tests, trunk and the
# wasm tests (and by CI runs on the same machine), so nothing is built twice.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hearth/target}"
HEARTH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export HEARTH_ROOT
# Tools: cargo-installed (trunk, wasm-bindgen), npm binaryen's wasm-opt before Debian's
# broken one, and the rustup proxies that honour rust-toolchain.toml.
export PATH="$HEARTH_ROOT/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
export TRUNK_SKIP_VERSION_CHECK=true
# The Python test tier's own environment (./setup.sh makes it): the real torch, onnx and
# onnxruntime, safetensors, NumPy, librosa. Every test that runs Python runs this one.
export HEARTH_VENV="${HEARTH_VENV:-$HOME/.cache/hearth/venv}"
export HEARTH_PYTHON="${HEARTH_PYTHON:-$HEARTH_VENV/bin/python}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# WebGPU in headless Chromium here is a software adapter: compiling its shaders on a busy
# 2-core machine can take a minute, far past wasm-bindgen-test's 20 s default.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-300}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Clippy rides on every build: clippy-driver compiles the workspace's own crates (not the
# dependencies) with Cargo.toml's [workspace.lints], clippy.toml and warnings denied. A
# build is then also the lint, so nothing is compiled twice for it (a separate `cargo
# clippy` re-checks burn's whole stack: minutes on 2 cores), and every build the scripts
# make agrees on the compiler, so they reuse each other's work. HEARTH_LINT=off turns it
# off for a quick experiment; CI never does.
if [[ "${HEARTH_LINT:-on}" != off ]]; then
  export RUSTC_WORKSPACE_WRAPPER="${HEARTH_CLIPPY_DRIVER:-/usr/bin/clippy-driver}"
  export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
  export CLIPPY_CONF_DIR="$HEARTH_ROOT"
fi

# Runs a command with the wasm-only unstable switches: std is built from source for wasm32.
# `test` is in the list for builds too: with the same std crate set, `cargo test` for wasm
# reuses every dependency that trunk's release build compiled (without it, all rebuild).
# The page's size profile (`page` in Cargo.toml) also gets leptos' type-erased views and no
# panic locations in its strings; profile rustflags are unstable, and only wasm builds see them.
# The WebAssembly features every wasm-opt pass of the build allows.
WASM_OPT_FEATURES=(--enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue)

# cached CACHE KEY BUILD...: unless CACHE/KEY already holds its output, runs BUILD with an
# empty folder as its last argument and keeps that folder as CACHE/KEY. Either way CACHED
# is then the output's path. Outputs no build has used for a day are dropped. (The page,
# the web runtime and the threaded engine: their wasm-bindgen and wasm-opt steps, by the
# linked wasm's hash.)
cached() {
  local cache=$1 key=$2
  shift 2
  CACHED="$cache/$key"
  if [ ! -f "$CACHED/.done" ]; then
    CACHED_WORK=$(mktemp -d)
    trap 'rm -rf "$CACHED_WORK"' EXIT
    "$@" "$CACHED_WORK"
    mkdir -p "$cache"
    rm -rf "$CACHED"
    mv "$CACHED_WORK" "$CACHED"
    touch "$CACHED/.done"
  fi
  touch "$CACHED"
  find "$cache" -mindepth 1 -maxdepth 1 -type d -mmin +1440 -exec rm -rf {} +
}

with_wasm_std() {
  RUSTC_BOOTSTRAP=1 CARGO_UNSTABLE_BUILD_STD=std,panic_abort,test \
    CARGO_UNSTABLE_PROFILE_RUSTFLAGS=true \
    CARGO_PROFILE_PAGE_RUSTFLAGS="--cfg erase_components -Zlocation-detail=none" "$@"
}

# Compiles and links the page's wasm (profile `page`). The link keeps its relocations
# (--emit-relocs), which wasm-split-cli reads to split it (scripts/page.sh); `cargo rustc`
# passes that to the hearth crate alone, so the dependencies' builds are shared.
# scripts/lint.sh builds it the same way, so that page.sh then finds it done.
build_page_wasm() {
  with_wasm_std cargo rustc "$@" --target wasm32-unknown-unknown -p hearth --bin hearth --profile page \
    -- -C link-arg=--emit-relocs
}

# Fetches every crate before Trunk's offline builds, std's own (built from source) included.
fetch_crates() {
  with_wasm_std cargo fetch --quiet --target wasm32-unknown-unknown
  cargo fetch --quiet
}
