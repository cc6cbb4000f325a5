#!/usr/bin/env bash
# Called by `make run`: set up the demo (idempotent), start a worker, serve on $PORT.
set -euo pipefail
: "${PORT:?}" "${DATA_DIR:?}" "${BIN:?}"

"$BIN/corridor" setup --demo --no-input

"$BIN/corridor" worker >>"$DATA_DIR/worker.log" 2>&1 &
worker=$!
trap 'kill "$worker" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  Corridor (demo) is starting at  http://localhost:$PORT/
  Demo logins (username, password, TOTP secret per role): $DATA_DIR/demo.json
  The requester portal is at      http://localhost:$PORT/help/
  Stop with Ctrl+C. A second \`make run\` keeps the data.

MSG
"$BIN/corridor" serve --host 127.0.0.1 --port "$PORT"
