#!/usr/bin/env bash
# Configures, builds and runs the whole test suite (the command CI runs).
# Tests start their own PostgreSQL server on a private port; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@"
