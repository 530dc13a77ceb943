#!/usr/bin/env bash
# Serves the app at http://127.0.0.1:8080 (another port: --port N) with the headers a host
# should send (scripts/server.mjs), after building it as scripts/build.sh does, and builds it
# again whenever a source file changes: reload the page then. A page-only change takes
# about a minute; a change to the engine a few (its wasm-opt pass).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$HEARTH_ROOT"
scripts/build.sh
exec node scripts/server.mjs --watch "$@"
