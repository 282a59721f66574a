#!/usr/bin/env bash
# The Debian package end to end, as root on Debian 12 (CI runs it after the
# test suite, on the suite's build dir, so nothing is compiled again):
#   1. cpack -G DEB, then apt-get install ./build/caravanserai_<version>_<arch>.deb;
#   2. the `cara` user, the data dirs (0700), the units (valid, installed, not
#      enabled), the env files (conffiles, 0600), the completions;
#   3. /usr/bin/cara-server, as `cara`, on a temp data dir and a free port in
#      the secure default: `caractrl version` and `caractrl get nodes` with the
#      client config it wrote;
#   4. upgrades (the same .deb again, then a newer revision) keep the data in
#      /var/lib/caravanserai (a server on it still knows its nodes, and its old
#      client config still works) and an env file the admin edited;
#   5. apt-get remove keeps the data and the config; apt-get purge leaves
#      nothing of the package but the `cara` user (see contrib/debian/postrm).
# It refuses to run where caravanserai is already installed or has data (it
# would purge them), and removes the `cara` user again if it created it.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
units=(cara-server.service cara-agent.service caractrl-sync.service)
env_files=(cara-server.env cara-agent.env caractrl-sync.env)
data_dir=/var/lib/caravanserai

say() { echo "package-test: $*"; }
fail() {
  echo "package-test: FAIL: $*" >&2
  exit 1
}

[ "$(id -u)" -eq 0 ] || fail "run as root: it installs and purges the package"
if dpkg-query -W -f='${db:Status-Status}' caravanserai 2>/dev/null | grep -qv '^not-installed$'; then
  fail "caravanserai is installed here (or its config is left): this test would purge it"
fi
[ ! -e "$data_dir" ] || fail "$data_dir exists: this test would purge it"
[ ! -e /etc/caravanserai ] || fail "/etc/caravanserai exists: this test would purge it"
had_user=false
getent passwd cara >/dev/null && had_user=true

work=$(mktemp -d)
server_pid=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
cleanup() {
  set +e
  stop_server
  if dpkg-query -W -f='${db:Status-Status}' caravanserai 2>/dev/null | grep -qv '^not-installed$'; then
    apt-get purge -y -q caravanserai >/dev/null 2>&1
  fi
  $had_user || userdel cara 2>/dev/null
  rm -rf "$work" "${tmp_data:-}"
}
trap cleanup EXIT

apt_install() {  # apt_install DEB [apt-get options]: keeps an edited conffile
  local deb=$1
  shift
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$deb" \
    >"$work/apt.log" 2>&1 || {
    cat "$work/apt.log" >&2
    fail "apt-get install $deb"
  }
}

free_port() {  # a port nothing listens on, from a range the suite does not use
  local port
  for _ in $(seq 1 50); do
    port=$((30000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || {
      echo "$port"
      return 0
    }
  done
  fail "no free port found"
}

# start_server DATA_DIR PORT: /usr/bin/cara-server as `cara`, in the secure
# default (HTTPS, tokens); returns when it answers and its client config is
# written.
start_server() {
  local dir=$1 port=$2
  (cd / && exec runuser -u cara -- /usr/bin/cara-server --host 127.0.0.1 --port "$port" \
    --data-dir "$dir") >"$work/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    if [ -s "$dir/caractrl.yaml" ] && grep -q "127.0.0.1:$port" "$dir/caractrl.yaml" &&
      curl -fsS --cacert "$dir/pki/ca.crt" "https://127.0.0.1:$port/api/readyz" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.2
  done
  cat "$work/server.log" >&2
  fail "/usr/bin/cara-server did not start on $dir"
}

ctl() {  # caractrl with the client config the server wrote into DATA_DIR
  local dir=$1
  shift
  CARA_CONFIG=$dir/caractrl.yaml /usr/bin/caractrl "$@"
}

# 1. Build the package from the existing build and install it.
[ -f "$build/CPackConfig.cmake" ] || fail "no $build/CPackConfig.cmake: configure and build first"
rm -f "$build"/caravanserai_*.deb
(cd "$build" && cpack -G DEB >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log" >&2
  fail "cpack -G DEB"
}
debs=("$build"/caravanserai_*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "cpack wrote no single caravanserai_*.deb"
deb=$(realpath "${debs[0]}")
version=$(dpkg-deb -f "$deb" Version)
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "caravanserai_${version}_${arch}.deb" ] || fail "file name $(basename "$deb")"
dpkg-deb -f "$deb" Depends | grep -q 'libc6' || fail "Depends lacks the shared libraries: $(dpkg-deb -f "$deb" Depends)"
if dpkg-deb -c "$deb" | grep -E '_test$|/bench'; then fail "the package holds test binaries"; fi
say "built $(basename "$deb") ($(du -h "$deb" | cut -f1)); Depends: $(dpkg-deb -f "$deb" Depends)"
apt_install "$deb"
[ "$(dpkg-query -W -f='${db:Status-Status} ${Version}' caravanserai)" = "installed $version" ] ||
  fail "not installed as $version"
[ "$(/usr/bin/cara-server --version | awk '{print $2}')" = "$version" ] ||
  fail "the package's version $version is not the project's: $(/usr/bin/cara-server --version)"

# 2. What the package set up.
IFS=: read -r _ _ uid _ _ home shell < <(getent passwd cara) || fail "no cara user"
[ "$uid" -lt 1000 ] && [ "$home" = "$data_dir" ] && [ "$shell" = /usr/sbin/nologin ] ||
  fail "cara is not a system user with home $data_dir and no shell: uid $uid, $home, $shell"
getent group cara >/dev/null || fail "no cara group"
[ "$(stat -c '%a %U %G' "$data_dir")" = "700 cara cara" ] || fail "$data_dir: $(stat -c '%a %U %G' "$data_dir")"
[ "$(stat -c '%a %U' /var/lib/cara-agent)" = "700 root" ] || fail "/var/lib/cara-agent: $(stat -c '%a %U' /var/lib/cara-agent)"
for unit in "${units[@]}"; do
  [ -f "/usr/lib/systemd/system/$unit" ] || fail "no /usr/lib/systemd/system/$unit"
  ! compgen -G "/etc/systemd/system/*.wants/$unit" >/dev/null || fail "$unit is enabled"
  if command -v systemd-analyze >/dev/null; then  # systemd's tools, where installed
    [ "$(systemctl --root=/ is-enabled "$unit" 2>&1)" = disabled ] || fail "$unit is enabled"
    out=$(systemd-analyze verify "/usr/lib/systemd/system/$unit" 2>&1) && [ -z "$out" ] ||
      fail "systemd-analyze verify $unit: $out"
  fi
done
conffiles=$(dpkg-query -W -f='${Conffiles}\n' caravanserai)
for f in "${env_files[@]}"; do
  grep -q " /etc/caravanserai/$f " <<<"$conffiles" || fail "/etc/caravanserai/$f is not a conffile"
  [ "$(stat -c '%a %U' "/etc/caravanserai/$f")" = "600 root" ] || fail "/etc/caravanserai/$f is not 0600 root"
done
bash -c 'source /usr/share/bash-completion/completions/caractrl && complete -p caractrl' >/dev/null ||
  fail "the bash completion does not load"
# zsh and fish find theirs in their default paths (both shells are in
# install-deps.sh; skipped where one is missing).
if command -v zsh >/dev/null; then
  [ "$(HOME=$work zsh -fc "autoload -U compinit && compinit -u -d $work/zcompdump && print -r -- \${_comps[caractrl]}")" = _caractrl ] ||
    fail "zsh does not find /usr/share/zsh/vendor-completions/_caractrl"
fi
if command -v fish >/dev/null; then
  HOME=$work fish -c 'complete -C"caractrl ver"' | grep -q '^version' ||
    fail "fish does not find /usr/share/fish/vendor_completions.d/caractrl.fish"
fi
[ -f /usr/share/caravanserai/schemas/project.json ] || fail "no schemas"
say "installed: user cara (uid $uid), $data_dir 0700, ${#units[@]} units valid and disabled, conffiles 0600"

# 3. The installed server, client and their versions.
tmp_data=$(mktemp -d)  # beside $work, which only root may enter
chown cara:cara "$tmp_data"
start_server "$tmp_data" "$(free_port)"
ctl "$tmp_data" version >"$work/version.txt" || fail "caractrl version"
grep -qF "caractrl $version " "$work/version.txt" && grep -qF "cara-server $version " "$work/version.txt" || {
  cat "$work/version.txt" >&2
  fail "caractrl version does not show $version for both the client and the server"
}
ctl "$tmp_data" get nodes >/dev/null || fail "caractrl get nodes"
stop_server
say "/usr/bin/cara-server ran as cara in the secure default; caractrl version and get nodes OK"

# 4. Upgrades keep the data and the admin's config. A server on the real
# data dir (as the unit runs it) registers the example nodes first; the
# same port after the upgrade, so that the old client config still names it.
port=$(free_port)
start_server "$data_dir" "$port"
ctl "$data_dir" apply -f /usr/share/doc/caravanserai/examples/manifests/nodes/ >/dev/null ||
  fail "caractrl apply the example nodes"
nodes_before=$(ctl "$data_dir" get nodes -o name)
[ -n "$nodes_before" ] || fail "no nodes after apply"
stop_server
cp "$data_dir/caractrl.yaml" "$work/old-client.yaml"
echo "CARA_TLS_SAN=cp.example.com" >>/etc/caravanserai/cara-server.env
apt_install "$deb" --reinstall
# A newer revision of the same build: what an upgrade from the archive does.
dpkg-deb -R "$deb" "$work/v2"
sed -i "s/^Version: .*/Version: ${version}-2/" "$work/v2/DEBIAN/control"
dpkg-deb -b "$work/v2" "$work/caravanserai_${version}-2_${arch}.deb" >/dev/null
apt_install "$work/caravanserai_${version}-2_${arch}.deb"
[ "$(dpkg-query -W -f='${Version}' caravanserai)" = "${version}-2" ] || fail "the upgrade did not install ${version}-2"
grep -qx "CARA_TLS_SAN=cp.example.com" /etc/caravanserai/cara-server.env || fail "the upgrade lost the edited env file"
[ "$(stat -c '%a %U' "$data_dir")" = "700 cara" ] || fail "the upgrade changed $data_dir"
start_server "$data_dir" "$port"
[ "$(CARA_CONFIG=$work/old-client.yaml /usr/bin/caractrl get nodes -o name)" = "$nodes_before" ] ||
  fail "after the upgrade the server does not know the same nodes (or the old client config fails)"
stop_server
say "upgrade $version -> $version (again) -> ${version}-2 kept $data_dir and the edited env file"

# 5. remove keeps data and config; purge removes the package's files and data.
DEBIAN_FRONTEND=noninteractive apt-get remove -y -q caravanserai >"$work/apt.log" 2>&1 ||
  fail "apt-get remove: $(cat "$work/apt.log")"
[ ! -e /usr/bin/cara-server ] || fail "remove left /usr/bin/cara-server"
[ -f "$data_dir/caractrl.yaml" ] && [ -f /etc/caravanserai/cara-server.env ] ||
  fail "remove deleted the data or the config"
DEBIAN_FRONTEND=noninteractive apt-get purge -y -q caravanserai >"$work/apt.log" 2>&1 ||
  fail "apt-get purge: $(cat "$work/apt.log")"
dpkg-query -W -f='${db:Status-Status}' caravanserai 2>/dev/null | grep -qv '^not-installed$' &&
  fail "caravanserai is still known to dpkg after purge"
for path in /usr/bin/cara-server /usr/bin/cara-agent /usr/bin/caractrl /usr/share/caravanserai \
  /usr/share/doc/caravanserai /usr/lib/systemd/system/cara-server.service "$data_dir" /var/lib/cara-agent \
  /etc/caravanserai; do
  [ ! -e "$path" ] || fail "purge left $path"
done
getent passwd cara >/dev/null || fail "purge removed the cara user (it keeps it, see postrm)"
say "remove kept the data and config; purge removed them; the cara user stays"
say "OK"
