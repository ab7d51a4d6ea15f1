#!/bin/sh
# start|stop CONNINFO_FILE — the PostgreSQL 15 the catalog suites run against
# when they run on PostgreSQL (ctest's fixture catalog_postgres, decision 0033).
# It is the tests' own server: made by initdb in a new directory under /tmp,
# reached only through a Unix socket there (no TCP port to collide with), and
# removed by `stop`. `start` writes the libpq connection string to
# CONNINFO_FILE; each test makes its own database on it.
set -eu
bin=/usr/lib/postgresql/15/bin
cmd=${1:?start or stop}
file=${2:?the file for the connection string}

# PostgreSQL refuses to run as root: as root it runs as the postgres user.
as_server() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop() {
  [ -f "$file" ] || return 0
  dir=$(sed -n 's/^host=\([^ ]*\) .*/\1/p' "$file")
  case $dir in /tmp/interdict-catalog-pg.*) ;; *) rm -f "$file"; return 0 ;; esac
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir" "$file"
}

case $cmd in
start)
  [ -x "$bin/postgres" ] || { echo "PostgreSQL 15 is not installed (scripts/setup)" >&2; exit 1; }
  stop
  dir=$(mktemp -d /tmp/interdict-catalog-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  as_server "$bin/initdb" -D "$dir/data" -U interdict -A trust --no-sync -E UTF8 \
    --locale=C >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
  # Throwaway data: no fsync. Enough connections for ctest -j and servers'
  # own connections; a socket only.
  as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB" \
    start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
  echo "host=$dir user=interdict dbname=postgres" >"$file"
  ;;
stop) stop ;;
*) echo "usage: $0 start|stop CONNINFO_FILE" >&2; exit 2 ;;
esac
