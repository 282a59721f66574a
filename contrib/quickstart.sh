#!/usr/bin/env bash
# A local Caravanserai cluster: builds everything, starts cara-server on the
# embedded SQLite store and a cara-agent as node-1, then `caractrl sync`s
# examples/manifests/ (the GitOps path) and waits until the projects run.
#
# Docker: the engine at $DOCKER_HOST (default /var/run/docker.sock) if it
# answers; otherwise, as root, a private dockerd in a temp dir (vfs, no
# iptables: nothing on the host changes); otherwise no agent, and the
# projects stay Pending. The examples' image, cara/busybox:test, is made
# locally from busybox-static (no registry needed).
#
# Ctrl-C deletes the example projects and stops everything.
#   --smoke      check the sync and stop (used by CI)
#   --no-build   use the binaries already in $BUILD_DIR (the docs test runs the
#                quick start from a directory of links to this checkout)
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=false
build_first=true
for arg in "$@"; do
  case $arg in
    --smoke) smoke=true ;;
    --no-build) build_first=false ;;
    *) echo "usage: $0 [--smoke] [--no-build]" >&2; exit 2 ;;
  esac
done

build=${BUILD_DIR:-build}
port=${PORT:-8080}
agent_port=${AGENT_LISTEN_PORT:-9090}
proxy_port=${PROXY_PORT:-8081}
data_dir=${CARA_DATA_DIR:-./cara-data}
work=$(mktemp -d)
if $smoke; then
  data_dir=$work/data
  port=${PORT:-18080}
  agent_port=${AGENT_LISTEN_PORT:-19090}
  proxy_port=${PROXY_PORT:-18081}
fi
ctl() { "$build/src/caractrl" "$@"; }

if $build_first; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target cara-server caractrl cara-agent
fi

pids=()
dockerd_dir=""
cleanup() {
  set +e
  if [ -n "${agent_pid:-}" ] && kill -0 "$agent_pid" 2>/dev/null; then
    echo "quickstart: deleting the example projects"
    mkdir -p "$work/empty"
    ctl sync "$work/empty" --source-id "$source_id" --allow-empty --max-delete 100 \
      --wait --timeout 60s >/dev/null
  fi
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do wait "${pids[i]}" 2>/dev/null; done
  if [ -n "$dockerd_dir" ]; then
    # dockerd leaves its shm and overlay mounts behind; unmount deepest first.
    awk -v d="$dockerd_dir" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r |
      xargs -r -n1 umount -l 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # wait_for URL PID WHAT (an https URL is checked against the cluster CA)
  for _ in $(seq 1 300); do
    curl -fsS --cacert "$data_dir/pki/ca.crt" "$1" >/dev/null 2>&1 && return 0
    kill -0 "$2" 2>/dev/null || { echo "quickstart: $3 exited" >&2; return 1; }
    sleep 0.2
  done
  echo "quickstart: $3 did not answer at $1" >&2
  return 1
}

wait_for_node() {  # wait_for_node NAME PID: until the agent has registered and is Ready
  for _ in $(seq 1 300); do
    ctl get node "$1" -o json 2>/dev/null | grep -q '"state": *"Ready"' && return 0
    kill -0 "$2" 2>/dev/null || { echo "quickstart: cara-agent exited" >&2; return 1; }
    sleep 0.2
  done
  echo "quickstart: node $1 did not become Ready" >&2
  return 1
}

docker_api() { curl -fsS --unix-socket "${docker_host#unix://}" "http://localhost/v1.41$1"; }

# Picks the Docker engine, starting a private one when allowed and needed.
find_docker() {
  docker_host=${DOCKER_HOST:-unix:///var/run/docker.sock}
  docker_api /_ping >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v dockerd >/dev/null; then return 1; fi
  dockerd_dir=$work/docker
  mkdir -p "$dockerd_dir"
  docker_host=unix://$dockerd_dir/docker.sock
  dockerd --data-root "$dockerd_dir/data" --exec-root "$dockerd_dir/exec" \
    --pidfile "$dockerd_dir/docker.pid" -H "$docker_host" --storage-driver vfs \
    --iptables=false --ip-masq=false --bridge=none \
    --containerd-namespace cara-quickstart --containerd-plugins-namespace cara-quickstart-p \
    >"$dockerd_dir/dockerd.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do
    docker_api /_ping >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "quickstart: the private dockerd did not start:" >&2
  tail -5 "$dockerd_dir/dockerd.log" >&2
  return 1
}

# cara/busybox:test, the image the examples run: busybox-static and a page.
ensure_image() {
  docker_api /images/cara/busybox:test/json >/dev/null 2>&1 && return 0
  local root=$work/image
  mkdir -p "$root/bin" "$root/www" "$root/tmp" "$root/data" "$root/etc"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  echo "<h1>Caravanserai</h1>" >"$root/www/index.html"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$work/image.tar" .
  curl -fsS --unix-socket "${docker_host#unix://}" -X POST -H 'Content-Type: application/x-tar' \
    --data-binary @"$work/image.tar" \
    'http://localhost/v1.41/images/create?fromSrc=-&repo=cara/busybox&tag=test' >/dev/null
}

# Secure by default: the server makes its cluster CA, an admin token, a join
# token and a client config under the data dir on first start.
server_url="https://127.0.0.1:$port"
# The sealed Secret in examples/manifests/secrets is sealed to the published
# demo key examples/quickstart-secrets.key: a lab cluster starts with that
# key so the example opens. (A real cluster makes its own on first start.)
if [ ! -e "$data_dir/pki/secrets.key" ]; then
  mkdir -p "$data_dir/pki"
  chmod 700 "$data_dir" "$data_dir/pki"
  install -m 600 examples/quickstart-secrets.key "$data_dir/pki/secrets.key"
fi
"$build/src/cara-server" --host 127.0.0.1 --port "$port" --data-dir "$data_dir" &
pids+=($!)
wait_for "$server_url/api/readyz" "${pids[-1]}" cara-server
export CARA_CONFIG=$data_dir/caractrl.yaml
unset CARA_SERVER CARA_TOKEN CARA_CA_FILE CARA_CONTEXT
source_id=$(cd examples/manifests && pwd)

agent_pid=""
if find_docker && ensure_image; then
  # The join token pins the server's CA; the agent keeps the node credential
  # and certificate it gets in its state dir.
  CARA_JOIN_TOKEN=$(cat "$data_dir/join.token") "$build/src/cara-agent" \
    --server-url "$server_url" --node-name node-1 --state-dir "$work/agent-state" \
    --docker-host "$docker_host" --agent-port "$agent_port" \
    --proxy-listen-addr "127.0.0.1:$proxy_port" --advertise-ip 127.0.0.1 \
    --heartbeat-interval 2s --poll-interval 1s >"$work/agent.log" 2>&1 &
  agent_pid=$!
  pids+=("$agent_pid")
  wait_for_node node-1 "$agent_pid" || { tail -20 "$work/agent.log" >&2; exit 1; }
  echo "quickstart: cara-agent joined as node-1 and runs it on Docker at $docker_host"
else
  echo "quickstart: no Docker engine (start dockerd or set DOCKER_HOST; as root a private one" \
    "is started): running without an agent, so projects stay Pending" >&2
fi

wait_flags=()
[ -n "$agent_pid" ] && wait_flags=(--wait --timeout 3m)
ctl sync examples/manifests "${wait_flags[@]}"
echo
ctl get nodes
echo
ctl get projects
if [ -n "$agent_pid" ]; then
  echo
  echo "$ curl -H 'Host: web.example.internal' http://127.0.0.1:$proxy_port/"
  page=$(curl -fsS -H 'Host: web.example.internal' "http://127.0.0.1:$proxy_port/")
  echo "$page"
  echo
  echo "$ curl http://127.0.0.1:8088/   # shop's web, published on the node's port 8088"
  shop_page=$(curl -fsS "http://127.0.0.1:8088/")
  echo "$shop_page"
fi

if $smoke; then
  # After a sync, diff must find nothing (exit 0), and a second sync is a no-op.
  ctl diff examples/manifests || {
    echo "quickstart: diff after sync found differences" >&2
    exit 1
  }
  ctl sync examples/manifests -o json | grep -q '"inSync": true' || {
    echo "quickstart: second sync was not a no-op" >&2
    exit 1
  }
  if [ -n "$agent_pid" ] && [ "$page" != "<h1>Welcome to the caravanserai</h1>" ]; then
    echo "quickstart: the ingress did not serve the web project" >&2
    exit 1
  fi
  if [ -n "$agent_pid" ] && [ "$shop_page" != "<h1>shop</h1>" ]; then
    echo "quickstart: shop's published port 8088 did not serve it" >&2
    exit 1
  fi
  # The dashboard is served by cara-server itself, over its own HTTPS.
  curl -fsS --cacert "$data_dir/pki/ca.crt" "$server_url/ui/" | grep -q '<title>Caravanserai</title>' || {
    echo "quickstart: the dashboard at $server_url/ui/ did not load" >&2
    exit 1
  }
  echo "quickstart: smoke run OK"
  exit 0
fi
echo
echo "The cluster is running: cara-server at $server_url (data in $data_dir)."
echo "In another shell: export CARA_CONFIG=$data_dir/caractrl.yaml; build/src/caractrl get nodes"
echo "Dashboard: $server_url/ui/ (sign in with the token in $data_dir/admin.token; the browser" \
  "must trust $data_dir/pki/ca.crt or be told to proceed)"
[ -n "$agent_pid" ] && echo "Ingress: curl -H 'Host: web.example.internal' http://127.0.0.1:$proxy_port/;" \
  "shop's published port: curl http://127.0.0.1:8088/"
echo "Press Ctrl-C to delete the example projects and stop."
wait "${pids[0]}"
