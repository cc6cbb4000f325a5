#!/usr/bin/env bash
# The operator guide, run: the production install of docs/operators.md on this machine,
# as root, under a temporary prefix, with PostgreSQL, keyd (3 shares, threshold 2), the
# web, the worker and the portal-only server, each as its own user. The administrator and
# a coordinator `corridor setup` made sign in for the first time over HTTP (one-time
# password, the TOTP keyd makes, a new password); with their keyd tickets the
# administrator adds a caseworker and a coordinator opens and assigns a case. Then keyd
# restarts, the web and the portal restart while keyd is sealed and the portal still
# stores a request, the trustees unseal, the caseworker (first login over HTTP) opens
# the case, and `corridor doctor` passes. Everything it made (the users, the
# cluster, the files) is removed at the end, also when a step fails; a second run starts
# from scratch (what a killed run left behind is removed first).
#
# Where it departs from the guide, and why:
# - The guide's folders move under $PREFIX (/srv/corridor -> $PREFIX/srv/corridor, and
#   /etc/corridor, /run/corridor-keyd, /var/lib/corridor-keyd likewise), and the cluster
#   is its own (initdb on a free port, socket in $PREFIX) instead of Debian's main one.
# - corridor-worker and corridor-portal get a home under $PREFIX (not created): the
#   drill removes only users whose home is under it.
# - `git clone` and `make .venv/.run` (section 2) need the network: the app folder links
#   to this checkout's files, and its .venv (Debian's python3) reads the packages of the
#   checkout's .venv, which `make` built (CI builds it before this step).
# - No systemd runs here: the units are checked with `systemd-analyze verify` and each
#   is started as systemd would (scripts/drill_guide.py run: its User, Group,
#   EnvironmentFile, WorkingDirectory, UMask and ExecStart, all read from the guide).
# - nginx is not installed: requests go to gunicorn with the headers nginx sets.
# - The caseworker's account and role and the case are made through the services, with
#   the tickets keyd issues to the administrator and the coordinator at a TOTP login
#   (scripts/drill_case.py), rather than by clicking through the site's forms. Every
#   login (first logins, password changes, TOTP enrolment, opening the case) is HTTP.
# - `keys init --shares 3 --threshold 2` (the guide's example is 5 and 3).
# - Not run here: apt-get (CI installs the packages), the restore (tests/keyd/
#   test_recovery.py runs it), upgrading, `corridor seal` and the KEK rotation (their
#   tests under tests/keyd/).
# Not safe to run twice at once on one machine: the users are the guide's own names.
set -euo pipefail
started=$(date +%s)
REPO=$(cd "$(dirname "$0")/.." && pwd)
PREFIX=${CORRIDOR_DRILL_PREFIX:-/tmp/corridor-drill}
PY=$REPO/.venv/bin/python
WEB_USER=corridor
KEYD_USER=corridor-keyd
WORKER_USER=corridor-worker
PORTAL_USER=corridor-portal
USERS=("$PORTAL_USER" "$WORKER_USER" "$KEYD_USER" "$WEB_USER")  # the group's owner last

say() { printf '== drill %3d s: %s\n' "$(( $(date +%s) - started ))" "$*"; }
fail() { printf 'drill FAILED: %s\n' "$*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "The drill creates users: run it as root." >&2; exit 2; }
[ -x "$PY" ] || { echo "No $PY: run \`make .venv/.dev\` first." >&2; exit 2; }
for tool in adduser systemd-analyze setpriv runuser; do
  command -v "$tool" >/dev/null || { echo "The drill needs $tool (see .ci/run)." >&2; exit 2; }
done
# The drill's users run this checkout's code and packages.
packages=$("$PY" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
runuser -u nobody -- test -r "$REPO/src/corridor/__init__.py" -a -r "$packages/django/__init__.py" \
  || { echo "Other users cannot read $REPO or $packages: the drill's users run them." >&2; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$PGBIN" ] || { echo "PostgreSQL is not installed (apt-get install postgresql)." >&2; exit 2; }

# A user is the drill's when its home is under $PREFIX; any other is left alone.
ours() {
  local home
  home=$(getent passwd "$1" | cut -d: -f6) || return 1
  case "$home" in "$PREFIX"/*) return 0 ;; *) return 1 ;; esac
}
for user in "${USERS[@]}"; do
  if getent passwd "$user" >/dev/null && ! ours "$user"; then
    echo "A user '$user' exists on this machine and is not the drill's; the drill will not touch it." >&2
    exit 2
  fi
done

PIDS=()
cleanup() {
  local status=$?
  set +e
  if [ "$status" != 0 ]; then
    for log in "${LOGS:-/nonexistent}"/*.log "$PREFIX/pg/server.log"; do
      [ -f "$log" ] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
    done
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -f "$PREFIX/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PREFIX/pg/data" -m immediate -s stop
  fi
  for user in "${USERS[@]}"; do
    if ours "$user"; then userdel "$user"; fi
  done
  if getent group "$WEB_USER" >/dev/null && ! getent passwd "$WEB_USER" >/dev/null \
    && [ -z "$(getent group "$WEB_USER" | cut -d: -f4)" ] && [ -e "$PREFIX/.made-group" ]; then
    groupdel "$WEB_USER"
  fi
  rm -rf "$PREFIX"
  if [ "$status" = 0 ]; then
    echo "== drill passed in $(( $(date +%s) - started )) s; it left nothing behind"
  else
    echo "== drill failed after $(( $(date +%s) - started )) s; cleaned up" >&2
  fi
  [ -n "${LOGS:-}" ] && rm -rf "$LOGS"
  exit "$status"
}
# A killed run left these behind: start clean.
for user in "${USERS[@]}"; do
  if ours "$user" && pgrep -u "$user" >/dev/null; then
    echo "Processes of the drill's user $user still run (pids $(pgrep -d ' ' -u "$user")): stop them first." >&2
    exit 2
  fi
done
[ -f "$PREFIX/pg/data/postmaster.pid" ] && { runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PREFIX/pg/data" -m immediate -s stop || true; }
for user in "${USERS[@]}"; do
  if ours "$user"; then say "removing the user $user an earlier run left"; userdel "$user"; fi
done
rm -rf "$PREFIX"
LOGS=$(mktemp -d /tmp/corridor-drill-logs.XXXXXX)
trap cleanup EXIT
# Interrupted or stopped: exit, so that the cleanup above still runs.
trap 'exit 130' INT
trap 'exit 143' TERM
install -d -m 0755 "$PREFIX" "$PREFIX/srv"

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PGPORT=$(free_port)
PGSOCK=$PREFIX/pgsock
export PGHOST=$PGSOCK PGPORT
guide() { "$PY" "$REPO/scripts/drill_guide.py" --prefix "$PREFIX" --database "$PGSOCK:$PGPORT" "$@"; }
as_web() { (cd "$PREFIX/srv/corridor/app" && runuser -u "$WEB_USER" -- sh -c "set -a; . $PREFIX/etc/corridor/env; $1"); }
as_keyd_admin() { sh -c "set -a; . $PREFIX/etc/corridor/keyd.env; $PREFIX/srv/corridor/app/.venv/bin/corridor $1"; }
start_unit() {  # NAME LOGNAME [ARG...]: a unit's ExecStart in the background, as systemd would
  local name=$1 log=$2
  shift 2
  # exec: the pid kept is the unit's process itself (drill_guide.py execs it in turn).
  (exec "$PY" "$REPO/scripts/drill_guide.py" --prefix "$PREFIX" --database "$PGSOCK:$PGPORT" \
    run "$name" "$@" >>"$LOGS/$log.log" 2>&1) &
  PIDS+=("$!")
  eval "${log}_pid=$!"
}
stop_unit() {  # LOGNAME: SIGTERM, as `systemctl stop` sends it
  local pid_var="${1}_pid"
  kill "${!pid_var}" && wait "${!pid_var}" || true
}
wait_for() {  # DESCRIPTION COMMAND...: up to 30 s
  local what=$1 deadline=$(( $(date +%s) + 30 ))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "$what did not happen within 30 s"
    sleep 0.2
  done
}

say "section 2: the corridor user and the app"
adduser --quiet --system --group --home "$PREFIX/srv/corridor" "$WEB_USER"
touch "$PREFIX/.made-group"
# In place of `git clone` and `make .venv/.run` (they need the network): this checkout's
# files and the packages its .venv holds, under a Python every user may run (the
# checkout's .venv may use one in root's home).
APP=$PREFIX/srv/corridor/app
install -d -o corridor -g corridor -m 0755 "$APP"
for entry in "$REPO"/*; do ln -s "$entry" "$APP/"; done
SYSTEM_PY=/usr/bin/python3
want=$("$PY" -c 'import sys; print(sys.version_info[:2])')
[ "$("$SYSTEM_PY" -c 'import sys; print(sys.version_info[:2])')" = "$want" ] \
  || fail "$SYSTEM_PY is not the Python $want of $PY"
"$SYSTEM_PY" -m venv --without-pip "$APP/.venv"
site=$("$APP/.venv/bin/python" -c 'import sysconfig; print(sysconfig.get_path("purelib"))')
echo "import site; site.addsitedir('$packages')" >"$site/corridor-drill.pth"
sed "1s|.*|#!$APP/.venv/bin/python|" "$REPO/.venv/bin/corridor" >"$APP/.venv/bin/corridor"
chmod 0755 "$APP/.venv/bin/corridor"
chown -hR corridor:corridor "$APP"

say "the systemd units of the guide pass systemd-analyze verify"
install -d "$LOGS/units"
guide units "$LOGS/units" >/dev/null
verified=$(systemd-analyze verify "$LOGS"/units/*.service 2>&1) || fail "systemd-analyze: $verified"
[ -z "$verified" ] || fail "systemd-analyze: $verified"

say "section 3: a PostgreSQL cluster on port $PGPORT, the role and two databases"
install -d -o postgres -g postgres -m 0700 "$PREFIX/pg"
install -d -o postgres -g postgres -m 0755 "$PGSOCK"
runuser -u postgres -- "$PGBIN/initdb" --data-checksums --auth-local=peer --auth-host=reject \
  -U postgres -D "$PREFIX/pg/data" >"$LOGS/initdb.log"
say "section 11: the web, worker and portal users share the role corridor (pg_ident, pg_hba)"
guide show pg_ident.conf >>"$PREFIX/pg/data/pg_ident.conf"
# The guide's line goes above the `local all all peer` line, which would match first.
hba_line=$(guide show pg_hba.conf)
sed -i "0,/^local/s|^local|$hba_line\n&|" "$PREFIX/pg/data/pg_hba.conf"
grep -qxF "$hba_line" "$PREFIX/pg/data/pg_hba.conf" || fail "pg_hba.conf has no line $hba_line"
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$PREFIX/pg/data" -w -s -l "$PREFIX/pg/server.log" \
  -o "-k $PGSOCK -p $PGPORT -c listen_addresses=''" start
runuser -u postgres -- createuser corridor
runuser -u postgres -- createdb -O corridor corridor
runuser -u postgres -- createdb -O corridor corridor_keys

say "section 11: keyd's user, folder and read-only database role"
adduser --quiet --system --no-create-home --home "$PREFIX/var/lib/corridor-keyd" \
  --ingroup "$WEB_USER" "$KEYD_USER"
install -d -m 0755 "$PREFIX/var" "$PREFIX/var/lib" "$PREFIX/run"
install -d -o corridor-keyd -g corridor -m 0700 "$PREFIX/var/lib/corridor-keyd"

say "section 11: the worker's and the portal's users, in the group corridor"
for user in "$WORKER_USER" "$PORTAL_USER"; do
  adduser --quiet --system --no-create-home --home "$PREFIX/home/$user" --ingroup "$WEB_USER" "$user"
done
guide show keyd-role | runuser -u postgres -- psql -q -v ON_ERROR_STOP=1 -d postgres

say "section 4 and 11: the two environment files"
install -d -m 0755 "$PREFIX/etc/corridor"
guide show env >"$PREFIX/etc/corridor/env"
guide show keyd.env >"$PREFIX/etc/corridor/keyd.env"
chown root:corridor "$PREFIX/etc/corridor/env" "$PREFIX/etc/corridor/keyd.env"
chmod 0640 "$PREFIX/etc/corridor/env" "$PREFIX/etc/corridor/keyd.env"
install -d -o corridor -g corridor -m 0700 "$PREFIX/srv/corridor/heads"

say "section 11: keys init (3 shares, threshold 2) as keyd's user"
runuser -u corridor-keyd -- sh -c "set -a; . $PREFIX/etc/corridor/keyd.env; $PREFIX/srv/corridor/app/.venv/bin/corridor keys init --shares 3 --threshold 2" \
  >"$LOGS/shares"
mapfile -t SHARES < <(sed -n 's#^share [0-9]/3: ##p' "$LOGS/shares")
[ "${#SHARES[@]}" = 3 ] || fail "keys init printed ${#SHARES[@]} shares, not 3"
rm "$LOGS/shares"

# systemd makes RuntimeDirectory= at each start (corridor-keyd.service).
install -d -o corridor-keyd -g corridor -m 0750 "$PREFIX/run/corridor-keyd"
start_keyd() {
  start_unit corridor-keyd.service keyd
  wait_for "keyd's admin socket" test -S "$PREFIX/run/corridor-keyd/keyd-admin.sock"
}
unseal() {
  local answer
  answer=$(printf '%s\n' "${SHARES[0]}" | as_keyd_admin unseal || true)
  [ "$answer" = "need 1 more" ] || fail "first share: $answer"
  answer=$(printf '%s\n' "${SHARES[2]}" | as_keyd_admin unseal)
  [ "$answer" = "unsealed" ] || fail "second share: $answer"
}
say "keyd starts sealed; two trustees unseal it"
start_keyd
as_keyd_admin "keyd status" >/dev/null && fail "keyd status said unsealed before any share" || true
unseal

say "section 4: setup and check --deploy, as corridor"
as_web ".venv/bin/corridor setup --no-input" >"$LOGS/setup.log"
chmod 0600 "$LOGS/setup.log"
as_web ".venv/bin/corridor check --deploy --fail-level WARNING" >>"$LOGS/setup.log" 2>&1
# setup's one-time passwords: the first administrator and the two first coordinators.
one_time() { sed -n "s/^Created the [a-z]* '$1' with the one-time password \([^ ]*\) .*/\1/p" "$LOGS/setup.log"; }
# keyd's enrolment code for the first second factor, printed beside the password.
enrolment_code() { sed -n "s/^Created the [a-z]* '$1' with .*enrolment code for the second factor \([^ ]*\) .*/\1/p" "$LOGS/setup.log"; }
for who in admin coordinator-1 coordinator-2; do
  [ -n "$(one_time "$who")" ] || fail "setup printed no one-time password for $who"
done
say "section 11: the data folder is the group's (the worker and the portal read it)"
chmod -R g+rwX,o-rwx "$PREFIX/srv/corridor/data"

WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT
ORIGIN=$(sed -n 's/^CORRIDOR_PUBLIC_ORIGIN=//p' "$PREFIX/etc/corridor/env")
web_up() {  # any HTTP answer (the Host is not the site's: 400) means gunicorn is up
  "$PY" -c "import sys, urllib.request as u, urllib.error as e
try: u.urlopen('$BASE/', timeout=2)
except e.HTTPError: pass
except OSError: sys.exit(1)"
}
PORTAL_PORT=$(free_port)
PORTAL=http://127.0.0.1:$PORTAL_PORT
portal_up() { BASE=$PORTAL web_up; }
say "section 5 and 9: the web, the worker and the portal-only server, each as its user"
start_unit corridor.service web --port "$WEB_PORT"
start_unit corridor-worker.service worker
start_unit corridor-portal.service portal --port "$PORTAL_PORT"
wait_for "the web answering on $WEB_PORT" web_up
wait_for "the portal answering on $PORTAL_PORT" portal_up
for log in worker portal; do
  pid_var="${log}_pid"
  kill -0 "${!pid_var}" 2>/dev/null || fail "the $log is not running"
done
for unit in web:$WEB_USER worker:$WORKER_USER portal:$PORTAL_USER; do
  pid_var="${unit%%:*}_pid"
  runs_as=$(ps -o uid= -p "${!pid_var}" | tr -d ' ')
  [ "$runs_as" = "$(id -u "${unit#*:}")" ] || fail "the ${unit%%:*} runs as uid $runs_as, not ${unit#*:}"
done

say "first logins over HTTP: the administrator and coordinator-1 (setup's one-time passwords)"
umask 0077
for who in admin coordinator-1; do
  printf '{"username": "%s", "password": "%s", "enrolment_code": "%s"}\n' \
    "$who" "$(one_time "$who")" "$(enrolment_code "$who")" >"$LOGS/$who.json"
  "$PY" "$REPO/scripts/drill_http.py" "$BASE" "$ORIGIN" first-login "$LOGS/$who.json"
done
say "with their keyd tickets: the administrator adds a caseworker, a coordinator opens a case"
staff=$("$PY" -c 'import json, sys
print(json.dumps({role: json.load(open(path)) for role, path in zip(("admin", "coordinator"), sys.argv[1:])}))' \
  "$LOGS/admin.json" "$LOGS/coordinator-1.json")
DRILL_STAFF=$staff DRILL_SCRIPTS=$REPO/scripts as_web ".venv/bin/corridor shell" \
  <"$REPO/scripts/drill_case.py" | tail -n 1 >"$LOGS/login.json"
say "the caseworker's first login over HTTP; they open the case"
"$PY" "$REPO/scripts/drill_http.py" "$BASE" "$ORIGIN" first-login "$LOGS/login.json"
"$PY" "$REPO/scripts/drill_http.py" "$BASE" "$ORIGIN" case "$LOGS/login.json"

say "keyd restarts: sealed; the web and the portal restart while it is sealed"
stop_unit keyd
start_keyd
stop_unit web
stop_unit portal
start_unit corridor.service web --port "$WEB_PORT"
start_unit corridor-portal.service portal --port "$PORTAL_PORT"
wait_for "the web answering while keyd is sealed" web_up
wait_for "the portal answering while keyd is sealed" portal_up
count_requests() {
  runuser -u postgres -- psql -d corridor -tAc 'SELECT count(*) FROM intake_request'
}
before=$(count_requests)
"$PY" "$REPO/scripts/drill_http.py" "$PORTAL" "$ORIGIN" portal-alone "A drill request, sent while keyd is sealed."
after=$(count_requests)
[ "$after" = $(( before + 1 )) ] || fail "the portal did not store the request while keyd was sealed ($before -> $after)"
say "the portal stored the request while keyd was sealed ($before -> $after)"
sealed=$("$PY" "$REPO/scripts/drill_http.py" "$BASE" "$ORIGIN" case "$LOGS/login.json" || true)
[ "$sealed" = "case opened: 503" ] || fail "while sealed the case page said: $sealed"

say "the trustees unseal; the caseworker opens the case again"
unseal
"$PY" "$REPO/scripts/drill_http.py" "$BASE" "$ORIGIN" case "$LOGS/login.json"

say "section 7: a backup, as corridor; the heads for the witness (docs/security.md)"
install -d -o corridor -g corridor -m 0700 "$PREFIX/srv/backups/corridor"
as_web ".venv/bin/corridor backup $PREFIX/srv/backups/corridor" >"$LOGS/backup.log"
as_web ".venv/bin/corridor audit head > $PREFIX/srv/corridor/heads/\$(date -u +%Y%m%dT%H%M%SZ).json"

say "section 12: corridor doctor"
as_web ".venv/bin/corridor doctor" | tee "$LOGS/doctor.log"
say "keyd's log verifies"
as_keyd_admin "keys log verify"
