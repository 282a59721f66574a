#!/usr/bin/env bash
# `cmake --install` puts every file in its place and nothing else (no test
# binary), for three destinations: DESTDIR with the prefix /usr (as the Debian
# package), DESTDIR with /opt/cara (env files in /etc/opt/cara), and a
# `--prefix` chosen at install time. The units must name that prefix's
# binaries and env files, the binaries must run from there, the completions
# must be what the installed caractrl prints, and installing again must keep
# an env file the admin edited.
#   install_layout_test.sh CMAKE BUILD_DIR SOURCE_DIR VERSION
set -euo pipefail
cmake=$1 build=$2 source=$3 version=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

units=(cara-server.service cara-agent.service caractrl-sync.service)
env_files=(cara-server.env cara-agent.env caractrl-sync.env)

# Every file an install under PREFIX (config in ETC) must hold, sorted.
expected_files() {  # expected_files PREFIX ETC
  local p=$1 etc=$2 f
  {
    printf '%s\n' "$p/bin/cara-server" "$p/bin/cara-agent" "$p/bin/caractrl" \
      "$p/share/bash-completion/completions/caractrl" "$p/share/zsh/vendor-completions/_caractrl" \
      "$p/share/fish/vendor_completions.d/caractrl.fish"
    for f in "${units[@]}"; do echo "$p/lib/systemd/system/$f"; done
    for f in "${env_files[@]}"; do echo "$etc/caravanserai/$f"; done
    (cd "$source/schemas" && find . -name '*.json' -type f) | sed "s|^\.|$p/share/caravanserai/schemas|"
    (cd "$source/examples" && find . -type f) | sed "s|^\.|$p/share/doc/caravanserai/examples|"
  } | sort
}

rewrite_paths() {  # rewrite_paths PREFIX ETC < file: the package's paths for PREFIX
  sed -e "s|/usr/bin/|$1/bin/|g" -e "s|/etc/caravanserai|$2/caravanserai|g"
}

# Checks an install whose files are under ROOT (the DESTDIR, or empty) with
# the paths PREFIX and ETC as the installed system sees them; TREE (all
# that the install may have written to) must hold exactly the expected files.
check_install() {  # check_install TREE ROOT PREFIX ETC
  local tree=$1 root=$2 p=$3 etc=$4 f shell
  diff -u <(expected_files "$p" "$etc") <(find "$tree" -type f,l | sed "s|^$root||" | sort) ||
    fail "the files installed under $tree differ from the expected layout (- expected, + installed)"
  for f in cara-server cara-agent; do
    "$root$p/bin/$f" --version | grep -qF "$version" || fail "$root$p/bin/$f --version does not print $version"
  done
  "$root$p/bin/caractrl" version --client | grep -qF "$version" || fail "caractrl version --client"
  for shell in bash:share/bash-completion/completions/caractrl zsh:share/zsh/vendor-completions/_caractrl \
    fish:share/fish/vendor_completions.d/caractrl.fish; do
    cmp -s <("$root$p/bin/caractrl" completion "${shell%%:*}") "$root$p/${shell#*:}" ||
      fail "$root$p/${shell#*:} is not what caractrl completion ${shell%%:*} prints"
  done
  grep -q 'complete .*caractrl' "$root$p/share/bash-completion/completions/caractrl" ||
    fail "the bash completion registers nothing for caractrl"
  for f in "${env_files[@]}"; do
    [ "$(stat -c %a "$root$etc/caravanserai/$f")" = 600 ] || fail "$etc/caravanserai/$f is not 0600"
  done
  # contrib/systemd/ is written for /usr and /etc: other prefixes get the
  # same files with those two paths rewritten.
  for f in "${units[@]}"; do
    diff -u <(rewrite_paths "$p" "$etc" <"$source/contrib/systemd/$f") "$root$p/lib/systemd/system/$f" ||
      fail "$p/lib/systemd/system/$f is not contrib/systemd/$f for the prefix $p"
  done
  for f in "${env_files[@]}"; do
    diff -u <(rewrite_paths "$p" "$etc" <"$source/contrib/systemd/$f") "$root$etc/caravanserai/$f" ||
      fail "$etc/caravanserai/$f is not contrib/systemd/$f for the prefix $p"
  done
  local unit_dir=$root$p/lib/systemd/system
  grep -qx "ExecStart=$p/bin/cara-server" "$unit_dir/cara-server.service" || fail "cara-server's ExecStart"
  grep -qx "ExecStart=$p/bin/cara-agent" "$unit_dir/cara-agent.service" || fail "cara-agent's ExecStart"
  grep -q "^ExecStart=$p/bin/caractrl sync --watch" "$unit_dir/caractrl-sync.service" ||
    fail "caractrl-sync's ExecStart"
  grep -qx "EnvironmentFile=-$etc/caravanserai/cara-server.env" "$unit_dir/cara-server.service" ||
    fail "cara-server's EnvironmentFile"
  grep -qx "EnvironmentFile=-$etc/caravanserai/cara-agent.env" "$unit_dir/cara-agent.service" ||
    fail "cara-agent's EnvironmentFile"
  grep -qx "EnvironmentFile=$etc/caravanserai/caractrl-sync.env" "$unit_dir/caractrl-sync.service" ||
    fail "caractrl-sync's EnvironmentFile"
  grep -qx "User=cara" "$unit_dir/cara-server.service" || fail "cara-server does not run as cara"
  grep -qx "Environment=CARA_DATA_DIR=/var/lib/caravanserai" "$unit_dir/cara-server.service" ||
    fail "cara-server's data dir"
}

install() {  # install LOG [cmake --install args]: output kept for a failure
  local log=$1
  shift
  "$cmake" --install "$build" "$@" >"$log" 2>&1 || {
    cat "$log" >&2
    fail "cmake --install $*"
  }
}

# The installs strip the binaries (--strip, as the package does): a
# RelWithDebInfo build's are ~300 MB each, 5 MB stripped.
# 1. The Debian package's layout.
DESTDIR=$work/deb install "$work/deb.log" --prefix /usr --strip
check_install "$work/deb" "$work/deb" /usr /etc

# 2. GNUInstallDirs' rule for /opt: configuration in /etc/opt/<name>.
DESTDIR=$work/opt install "$work/opt.log" --prefix /opt/cara --strip
check_install "$work/opt" "$work/opt" /opt/cara /etc/opt/cara

# 3. A prefix given at install time, no DESTDIR: the units name it.
prefix=$work/prefix/local
install "$work/prefix.log" --prefix "$prefix" --strip
check_install "$work/prefix" "" "$prefix" "$prefix/etc"
# The units are valid for systemd, with binaries that exist (when
# systemd-analyze is there to say so).
if command -v systemd-analyze >/dev/null; then
  for f in "${units[@]}"; do
    out=$(systemd-analyze verify "$prefix/lib/systemd/system/$f" 2>&1) || fail "systemd-analyze verify $f: $out"
    [ -z "$out" ] || fail "systemd-analyze verify $f: $out"
  done
fi

# Installing again keeps an env file the admin edited, and says so.
echo "PORT=9443" >>"$prefix/etc/caravanserai/cara-server.env"
install "$work/again.log" --prefix "$prefix" --strip
grep -qx "PORT=9443" "$prefix/etc/caravanserai/cara-server.env" || fail "installing again lost an edited env file"
grep -q "Keeping: $prefix/etc/caravanserai/cara-server.env" "$work/again.log" ||
  fail "installing again did not say it kept the env file"
echo "install layout OK (DESTDIR /usr, DESTDIR /opt/cara, --prefix $prefix)"
