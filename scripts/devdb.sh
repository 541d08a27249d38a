#!/usr/bin/env bash
# The private PostGIS cluster under var/ (used unless DATABASE_URL points elsewhere).
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR="$PWD/var"; PGDATA="$VAR/pgdata"; PGSOCK="$VAR/pgrun"; LOG="$VAR/postgres.log"
BIN=/usr/lib/postgresql/15/bin
if [ "$(id -u)" -eq 0 ]; then as() { runuser -u postgres -- "$@"; }; else as() { "$@"; }; fi

start() {
  mkdir -p "$VAR"
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA" "$PGSOCK"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$PGDATA" "$PGSOCK" && chmod 755 "$VAR"
    as "$BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >> "$PGDATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PGSOCK'
fsync = off            # a disposable development cluster: speed over durability
synchronous_commit = off
full_page_writes = off
shared_buffers = 256MB
CONF
  fi
  if as "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then return; fi
  [ "$(id -u)" -eq 0 ] && touch "$LOG" && chown postgres "$LOG"
  as "$BIN/pg_ctl" -D "$PGDATA" -l "$LOG" -w start >/dev/null
  as "$BIN/psql" -h "$PGSOCK" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='gis_portal'" | grep -q 1 \
    || as "$BIN/createdb" -h "$PGSOCK" -U postgres gis_portal
  echo "PostGIS running (socket $PGSOCK)"
}
stop() {
  if [ -s "$PGDATA/PG_VERSION" ] && as "$BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
    as "$BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && echo "PostGIS stopped"
  fi
}
"$@"
