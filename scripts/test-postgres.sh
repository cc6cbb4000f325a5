#!/usr/bin/env bash
# `make test-postgres`: start a throwaway PostgreSQL cluster, run the database tests
# against it, and stop the cluster even on failure. Tests that start processes, drive the
# browser or need no database run once, in the SQLite suite (`make test`); the tests marked
# `postgres` run here only. Parts of the suite: tests/plugins/classify.py.
set -euo pipefail
BIN=${BIN:-.venv/bin}
WORKERS=${WORKERS:-auto}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$pgbin" ]; then
  echo "PostgreSQL server binaries not found: apt-get install postgresql (see .ci/run)" >&2
  exit 1
fi

work=$(mktemp -d /tmp/corridor-pg.XXXXXX)
as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$work"; fi
stop() {
  as_postgres "$pgbin/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

as_postgres "$pgbin/initdb" -D "$work/data" --auth=trust --username=postgres \
  --encoding=UTF8 --locale=C.UTF-8 --data-checksums >/dev/null
as_postgres "$pgbin/pg_ctl" -D "$work/data" -w -l "$work/server.log" \
  -o "-c listen_addresses='' -k $work -c fsync=on -c synchronous_commit=on -c full_page_writes=on" \
  start >/dev/null

socket=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$work")
export DATABASE_URL="postgres://postgres@${socket}/corridor"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') at $work"
# pytest-django gives each xdist worker a test database of its own (test_corridor_gw0, ...).
"$BIN/pytest" -n "$WORKERS" -m "postgres or (database and not process and not browser)" \
  --durations=15 "$@"
