#!/usr/bin/env bash
# Builds Caravanserai, starts a local control plane on the embedded SQLite
# store and syncs examples/manifests/ to it (caractrl sync: the GitOps path).
# Ctrl-C stops the server.
#   --smoke   stop after syncing and checking (used by CI)
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
[ "${1:-}" = "--smoke" ] && smoke=true

build=${BUILD_DIR:-build}
port=${PORT:-8080}
data_dir=${CARA_DATA_DIR:-./cara-data}
if $smoke; then
  data_dir=$(mktemp -d)
  port=${PORT:-18080}
fi

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target cara-server caractrl cara-agent

export CARA_SERVER="http://127.0.0.1:$port"
"$build/src/cara-server" --host 127.0.0.1 --port "$port" --data-dir "$data_dir" &
server_pid=$!
cleanup() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  if $smoke; then rm -rf "$data_dir"; fi
}
trap cleanup EXIT

for _ in $(seq 1 100); do
  curl -fsS "$CARA_SERVER/api/readyz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "cara-server exited" >&2; exit 1; }
  sleep 0.1
done

"$build/src/caractrl" sync examples/manifests
echo
"$build/src/caractrl" get nodes
echo
"$build/src/caractrl" get projects

if $smoke; then
  # After a sync, diff must find nothing (exit 0), and a second sync is a no-op.
  "$build/src/caractrl" diff examples/manifests || {
    echo "quickstart: diff after sync found differences" >&2
    exit 1
  }
  "$build/src/caractrl" sync examples/manifests -o json | grep -q '"inSync": true' || {
    echo "quickstart: second sync was not a no-op" >&2
    exit 1
  }
  echo "quickstart: smoke run OK"
  exit 0
fi
echo
echo "cara-server is running at $CARA_SERVER (data in $data_dir). Press Ctrl-C to stop."
wait "$server_pid"
