#!/usr/bin/env bash
# Configures, builds and runs the whole test suite (the command CI runs).
# Tests start their own PostgreSQL server on a private port; nothing is skipped.
# Then checks that no secret leaked into what the run leaves behind: ctest's
# log and the subprocess logs under build/test-logs hold no bearer token and
# no join token (tests must never print one, not even on success).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
rm -rf "$build/test-logs"
status=0
ctest --test-dir "$build" --output-on-failure -j"$(nproc)" "$@" || status=$?

token_shapes='cara_[0-9a-f]{12}_[0-9a-f]{64}|K10[0-9a-f]{64}::'
leaks=$(grep -rlE "$token_shapes" "$build/Testing/Temporary/LastTest.log" "$build/test-logs" \
  2>/dev/null || true)
if [[ -n "$leaks" ]]; then
  echo "error: a token appears in the test output:" >&2
  echo "$leaks" | sed 's/^/  /' >&2
  exit 1
fi
exit "$status"
