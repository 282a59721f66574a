#!/usr/bin/env bash
# Installs the Debian 12 packages Caravanserai builds and tests with, then the
# npm packages of the browser tests (tests/ui; the browser is Debian's
# chromium, never a download) and of the benchmark's peer validator
# (tests/bench/peer), each from its lock file.
# Idempotent: does nothing when everything is already installed.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache git
  libgit2-dev libcpp-httplib-dev libpqxx-dev libyaml-cpp-dev libyaml-dev libcli11-dev catch2
  nlohmann-json3-dev libjemalloc-dev libvalijson-dev libsqlite3-dev libboost-dev libssl-dev
  postgresql docker.io docker-registry apache2-utils busybox-static wrk curl openssh-client openssh-server zsh fish
  chromium nodejs
  prometheus  # promtool: the tests lint the metrics of caractrl sync --watch
)
# Debian's npm only where no npm came with nodejs: the machines' Node.js 20
# build bundles npm and conflicts with the separate package.
command -v npm >/dev/null || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Only promtool is wanted from the prometheus package: on a machine with
  # systemd its daemon would start on :9090, the agent's default port.
  if [[ " ${missing[*]} " == *" prometheus "* ]] && command -v systemctl >/dev/null; then
    $sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
  fi
fi

# npm packages from a lock file, reinstalled whenever the lock changed since
# the last npm ci (a copy of it in node_modules is the stamp).
npm_ci_when_lock_changed() {
  local dir="$1" what="$2"
  if cmp -s "$dir/package-lock.json" "$dir/node_modules/.cara-installed-lock.json"; then
    echo "install-deps: $what npm packages present"
  else
    echo "install-deps: npm ci in $what"
    npm ci --prefix "$dir" --no-audit --no-fund
    cp "$dir/package-lock.json" "$dir/node_modules/.cara-installed-lock.json"
  fi
}
npm_ci_when_lock_changed "$(dirname "$0")/../tests/ui" tests/ui
# The benchmark harness's peer validator (yaml + ajv): its row is n/a without them.
npm_ci_when_lock_changed "$(dirname "$0")/../tests/bench/peer" tests/bench/peer
