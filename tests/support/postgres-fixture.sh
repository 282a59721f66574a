#!/bin/sh
# One throwaway PostgreSQL server shared by a whole ctest run (the
# "postgres" fixture in tests/CMakeLists.txt). Every test process would
# otherwise initdb and start its own server (~2.6 s each).
#
#   postgres-fixture.sh start DIR   cluster in DIR/data, socket in DIR, log in
#                                   DIR/postgres.log; writes the URL to DIR/url
#   postgres-fixture.sh stop DIR    stops the server and removes DIR
#
# Both are idempotent: start reuses a server still running from an earlier
# (interrupted) run of the same build tree, stop does nothing if none runs.
# Tests find the server through CARA_TEST_DATABASE_URL_FILE=DIR/url and create
# a fresh database each (tests/support/postgres_server.cc).
set -eu

usage() {
  echo "usage: $0 start|stop DIR" >&2
  exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2
case $dir in
  /*) ;;
  *) dir=$(pwd)/$dir ;;
esac
data=$dir/data

# The newest installed PostgreSQL.
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "postgres-fixture: no /usr/lib/postgresql/*/bin/pg_ctl (apt-get install postgresql)" >&2
  exit 1
fi

# initdb and pg_ctl refuse to run as root: the cluster then belongs to the
# "postgres" user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    /usr/sbin/runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

stop_server() {
  if running; then
    # immediate: the data is thrown away anyway, so skip the checkpoint.
    as_owner "$bin/pg_ctl" -D "$data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
  fi
}

# A random unprivileged port nobody listens on right now; pg_ctl start is
# retried if another process takes it first.
pick_port() {
  while :; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
    if ! command -v ss >/dev/null 2>&1 || [ -z "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
      echo "$port"
      return
    fi
  done
}

start() {
  if [ -s "$dir/url" ] && running; then
    echo "postgres-fixture: reusing $(cat "$dir/url")"
    return 0
  fi
  # Whatever is left over (a failed start, a crashed server) is stale.
  stop_server
  rm -rf "$dir"
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$dir"
  fi
  if ! as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
    >"$dir/setup.log" 2>&1; then
    echo "postgres-fixture: initdb failed:" >&2
    tail -n 40 "$dir/setup.log" >&2
    exit 1
  fi
  # A Unix socket path is limited to 107 bytes; a deep build tree gets none
  # (the tests connect over TCP anyway).
  sockdir=$dir
  if [ ${#dir} -gt 90 ]; then
    sockdir=
  fi
  attempt=1
  while :; do
    port=$(pick_port)
    # fsync and friends off: durability is pointless for a throwaway cluster.
    # Many connections: pools of parallel test processes plus concurrency tests.
    if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/postgres.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='$sockdir' \
-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >>"$dir/setup.log" 2>&1; then
      break
    fi
    if [ $attempt -ge 3 ]; then
      echo "postgres-fixture: pg_ctl start failed:" >&2
      tail -n 40 "$dir/setup.log" >&2
      echo "--- server log ---" >&2
      tail -n 40 "$dir/postgres.log" >&2 || true
      exit 1
    fi
    attempt=$((attempt + 1))
  done
  # Written last and renamed, so a reader never sees a half-written URL.
  echo "postgresql://postgres@127.0.0.1:$port/postgres" >"$dir/url.tmp"
  mv "$dir/url.tmp" "$dir/url"
  echo "postgres-fixture: started $(cat "$dir/url") in $dir"
}

stop() {
  stop_server
  rm -rf "$dir"
}

case $action in
  start) start ;;
  stop) stop ;;
  *) usage ;;
esac
