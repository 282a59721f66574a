#!/usr/bin/env bash
# The benchmark harness (issue 7): builds what it needs into $BUILD_DIR
# (default build-bench), then runs cara-bench, which measures the targets of
# performance targets, each against a baseline taken in the same run, and prints
# one table. It starts its own servers, a throwaway PostgreSQL server and a
# private dockerd, and stops them all when it ends.
#
#   tests/bench/run.sh                 full sizes (several minutes)
#   tests/bench/run.sh --smoke         tiny sizes, seconds (what ctest runs)
#   tests/bench/run.sh --only api,scheduler --scale 0.1
#                                      some steps (validation, gitops, api, watch,
#                                      scheduler, agent, control-plane), a
#                                      tenth of every count
#   --no-build                         use the binaries already in $BUILD_DIR
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${BUILD_DIR:-build-bench}

args=()
build_first=true
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then build_first=false; else args+=("$a"); fi
done

if $build_first; then
  # Build output goes to stderr: stdout carries only the results table.
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target cara-bench >&2
fi
exec "$build/tests/bench/cara-bench" ${args[@]+"${args[@]}"}
