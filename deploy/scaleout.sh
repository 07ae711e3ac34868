#!/usr/bin/env bash
# Scale-out on loopback (docs/deployment.md): PostgreSQL tracker store + Redis lock store, two action servers and two
# rasa servers behind nginx, from Debian packages, data and logs under $SCALEOUT_DIR (var/scaleout).
#
#   deploy/scaleout.sh up [--no-install]   install what is missing (apt-get), configure, start, wait until ready
#   deploy/scaleout.sh install             only install what is missing (PostgreSQL, Redis, nginx: apt-get)
#   deploy/scaleout.sh status              what runs, and whether nginx answers
#   deploy/scaleout.sh down [--purge]      stop everything (--purge also deletes the data)
#
# Needs `make install index train` first (the environments, the index, the model). Ports are variables, below.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh

SCALEOUT_DIR="${SCALEOUT_DIR:-var/scaleout}"
case "$SCALEOUT_DIR" in /*) ;; *) SCALEOUT_DIR="$PWD/$SCALEOUT_DIR" ;; esac
export SCALEOUT_PORT="${SCALEOUT_PORT:-8005}"                 # nginx: the one entry point (REST, socket.io)
SCALEOUT_RASA_PORTS="${SCALEOUT_RASA_PORTS:-5105 5106}"
SCALEOUT_ACTION_PORTS="${SCALEOUT_ACTION_PORTS:-5155 5156}"
export SCALEOUT_ACTION_LB_PORT="${SCALEOUT_ACTION_LB_PORT:-5150}"  # nginx: the action servers, for rasa
export SCALEOUT_PG_HOST=127.0.0.1 SCALEOUT_PG_PORT="${SCALEOUT_PG_PORT:-5433}"
export SCALEOUT_PG_DB="${SCALEOUT_PG_DB:-expat_sante}" SCALEOUT_PG_USER="${SCALEOUT_PG_USER:-expat_sante}"
export SCALEOUT_REDIS_HOST=127.0.0.1 SCALEOUT_REDIS_PORT="${SCALEOUT_REDIS_PORT:-6380}"
PACKAGES=(postgresql redis-server nginx)

say() { echo ">> scaleout: $*"; }
die() { echo "error: scaleout: $*" >&2; exit 1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
# PostgreSQL refuses to run as root: its cluster belongs to the postgres user when we are root.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_packages() {
  local missing=()
  for package in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  say "installing ${missing[*]} (apt-get)"
  # Services are not started by the packages' scripts here; we run our own instances on our own ports.
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" > /dev/null
}

secrets() {
  # Passwords: from the environment, or generated once and kept in a file only the owner can read.
  local file="$SCALEOUT_DIR/secrets.env"
  if [ ! -f "$file" ]; then
    umask 077
    printf 'SCALEOUT_PG_PASSWORD=%s\nSCALEOUT_REDIS_PASSWORD=%s\n' \
      "${SCALEOUT_PG_PASSWORD:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}" \
      "${SCALEOUT_REDIS_PASSWORD:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}" > "$file"
    umask 022
  fi
  set -a; . "$file"; set +a
}

start_postgres() {
  local bin data="$SCALEOUT_DIR/postgres/data" sock="$SCALEOUT_DIR/postgres/run"
  bin="$(pg_bin)"; [ -n "$bin" ] || die "PostgreSQL binaries not found under /usr/lib/postgresql"
  mkdir -p "$SCALEOUT_DIR/postgres" "$sock"
  [ "$(id -u)" = 0 ] && chown postgres: "$SCALEOUT_DIR/postgres" "$sock" "$SCALEOUT_DIR/log"
  if [ ! -f "$data/PG_VERSION" ]; then
    say "PostgreSQL: new cluster in $data"
    local pwfile="$SCALEOUT_DIR/postgres/.pw"
    (umask 077; printf '%s\n' "$SCALEOUT_PG_PASSWORD" > "$pwfile")
    [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
    as_postgres "$bin/initdb" -D "$data" -U "$SCALEOUT_PG_USER" --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 > "$SCALEOUT_DIR/log/initdb.log"
    rm -f "$pwfile"
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$data" status > /dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$data" -l "$SCALEOUT_DIR/log/postgres.log" -w -t 60 start \
      -o "-p $SCALEOUT_PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$sock" > /dev/null
  fi
  PGPASSWORD="$SCALEOUT_PG_PASSWORD" psql -qAt -h 127.0.0.1 -p "$SCALEOUT_PG_PORT" -U "$SCALEOUT_PG_USER" -d postgres \
    -c "SELECT 1 FROM pg_database WHERE datname = '$SCALEOUT_PG_DB'" | grep -q 1 \
    || PGPASSWORD="$SCALEOUT_PG_PASSWORD" psql -q -h 127.0.0.1 -p "$SCALEOUT_PG_PORT" -U "$SCALEOUT_PG_USER" \
         -d postgres -c "CREATE DATABASE $SCALEOUT_PG_DB"
  say "PostgreSQL on 127.0.0.1:$SCALEOUT_PG_PORT (database $SCALEOUT_PG_DB)"
}

start_redis() {
  local conf="$SCALEOUT_DIR/redis/redis.conf"
  mkdir -p "$SCALEOUT_DIR/redis"
  (umask 077; cat > "$conf" <<CONF
bind 127.0.0.1
port $SCALEOUT_REDIS_PORT
requirepass $SCALEOUT_REDIS_PASSWORD
dir $SCALEOUT_DIR/redis
pidfile $SCALEOUT_DIR/redis/redis.pid
logfile $SCALEOUT_DIR/log/redis.log
daemonize yes
# Locks only: nothing to keep across restarts.
save ""
appendonly no
CONF
)
  alive "$SCALEOUT_DIR/redis/redis.pid" || redis-server "$conf"
  say "Redis on 127.0.0.1:$SCALEOUT_REDIS_PORT"
}

start_python_servers() {
  mkdir -p "$SCALEOUT_DIR/run"
  local i=0 port
  for port in $SCALEOUT_ACTION_PORTS; do
    i=$((i + 1))
    alive "$SCALEOUT_DIR/run/actions-$i.pid" && continue
    ACTION_PORT="$port" ACTION_HOST=127.0.0.1 LOG_LEVEL=WARNING \
      setsid .venv/actions/bin/python -m actions > "$SCALEOUT_DIR/log/actions-$i.log" 2>&1 < /dev/null &
    echo $! > "$SCALEOUT_DIR/run/actions-$i.pid"
  done
  i=0
  for port in $SCALEOUT_RASA_PORTS; do
    i=$((i + 1))
    alive "$SCALEOUT_DIR/run/rasa-$i.pid" && continue
    ACTION_ENDPOINT_URL="http://127.0.0.1:$SCALEOUT_ACTION_LB_PORT/webhook" \
    RATE_LIMIT_REDIS_URL="${RATE_LIMIT_REDIS_URL:-redis://:$SCALEOUT_REDIS_PASSWORD@$SCALEOUT_REDIS_HOST:$SCALEOUT_REDIS_PORT/2}" \
      setsid .venv/rasa/bin/rasa run --model "$RASA_MODEL" --interface 127.0.0.1 --port "$port" \
      --endpoints deploy/endpoints.scaleout.yml --credentials credentials.yml --cors ${CORS_ORIGINS//,/ } \
      > "$SCALEOUT_DIR/log/rasa-$i.log" 2>&1 < /dev/null &
    echo $! > "$SCALEOUT_DIR/run/rasa-$i.pid"
  done
}

start_nginx() {
  local conf="$SCALEOUT_DIR/nginx/nginx.conf" rasa="" actions="" port
  mkdir -p "$SCALEOUT_DIR/nginx/tmp"
  # nginx workers drop root for nobody: they must be able to write their buffers.
  [ "$(id -u)" = 0 ] && chown nobody "$SCALEOUT_DIR/nginx/tmp"
  for port in $SCALEOUT_RASA_PORTS; do rasa+="        server 127.0.0.1:$port;"$'\n'; done
  for port in $SCALEOUT_ACTION_PORTS; do actions+="        server 127.0.0.1:$port;"$'\n'; done
  RASA_SERVERS="${rasa%$'\n'}" ACTION_SERVERS="${actions%$'\n'}" SCALEOUT_DIR="$SCALEOUT_DIR" \
    .venv/rasa/bin/python - deploy/nginx.conf.template "$conf" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
for key, value in {"@DIR@": os.environ["SCALEOUT_DIR"], "@PORT@": os.environ["SCALEOUT_PORT"],
                   "@ACTION_PORT@": os.environ["SCALEOUT_ACTION_LB_PORT"], "@RASA_SERVERS@": os.environ["RASA_SERVERS"],
                   "@ACTION_SERVERS@": os.environ["ACTION_SERVERS"]}.items():
    text = text.replace(key, value)
open(sys.argv[2], "w").write(text)
PY
  /usr/sbin/nginx -t -q -p "$SCALEOUT_DIR/nginx" -c "$conf"
  if alive "$SCALEOUT_DIR/nginx/nginx.pid"; then
    /usr/sbin/nginx -p "$SCALEOUT_DIR/nginx" -c "$conf" -s reload
  else
    /usr/sbin/nginx -p "$SCALEOUT_DIR/nginx" -c "$conf"
  fi
  say "nginx on 127.0.0.1:$SCALEOUT_PORT (rasa: $SCALEOUT_RASA_PORTS)" \
    "and 127.0.0.1:$SCALEOUT_ACTION_LB_PORT (actions: $SCALEOUT_ACTION_PORTS)"
}

wait_ready() {
  local urls=() port
  for port in $SCALEOUT_ACTION_PORTS; do urls+=("http://127.0.0.1:$port/health"); done
  for port in $SCALEOUT_RASA_PORTS; do urls+=("http://127.0.0.1:$port/webhooks/rest/"); done
  say "waiting for the action and rasa servers (logs: $SCALEOUT_DIR/log/)"
  if ! .venv/rasa/bin/python scripts/wait_ready.py "${urls[@]}" --timeout "${SCALEOUT_TIMEOUT:-300}"; then
    tail -n 15 "$SCALEOUT_DIR"/log/actions-*.log "$SCALEOUT_DIR"/log/rasa-*.log >&2
    die "a server did not start"
  fi
  # nginx only once every server answers: a request it cannot pass on marks that server failed for 10 s
  # (max_fails=1, fail_timeout=10s), and the other one would take all the traffic meanwhile.
  .venv/rasa/bin/python scripts/wait_ready.py "http://127.0.0.1:$SCALEOUT_PORT/webhooks/rest/" --timeout 30 \
    || die "nginx does not answer on 127.0.0.1:$SCALEOUT_PORT"
  say "ready: http://127.0.0.1:$SCALEOUT_PORT/webhooks/rest/webhook and http://127.0.0.1:$SCALEOUT_PORT/socket.io"
}

up() {
  [ "${1:-}" = "--no-install" ] || install_packages
  [ -f "$RASA_MODEL" ] || die "no trained model at $RASA_MODEL: run \`make train\` first"
  [ -f "$INDEX_DIR/manifest.json" ] || die "no knowledge index in $INDEX_DIR: run \`make index\` first"
  mkdir -p "$SCALEOUT_DIR/log"
  secrets
  start_postgres
  start_redis
  start_python_servers
  start_nginx
  wait_ready
}

stop_pidfile() {  # stop_pidfile FILE: TERM the process group, then KILL after 20 s
  local file="$1" pid
  alive "$file" || { rm -f "$file"; return 0; }
  pid="$(cat "$file")"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$file"
}

down() {
  local file bin
  [ -d "$SCALEOUT_DIR" ] || { say "nothing to stop in $SCALEOUT_DIR"; return 0; }
  if alive "$SCALEOUT_DIR/nginx/nginx.pid"; then
    /usr/sbin/nginx -p "$SCALEOUT_DIR/nginx" -c "$SCALEOUT_DIR/nginx/nginx.conf" -s quit 2> /dev/null
  fi
  for file in "$SCALEOUT_DIR"/run/rasa-*.pid "$SCALEOUT_DIR"/run/actions-*.pid; do
    [ -e "$file" ] && stop_pidfile "$file"
  done
  alive "$SCALEOUT_DIR/redis/redis.pid" && kill -TERM "$(cat "$SCALEOUT_DIR/redis/redis.pid")"
  bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$SCALEOUT_DIR/postgres/data/PG_VERSION" ]; then
    as_postgres "$bin/pg_ctl" -D "$SCALEOUT_DIR/postgres/data" -m fast -w stop > /dev/null 2>&1 || true
  fi
  say "stopped"
  if [ "${1:-}" = "--purge" ]; then rm -rf "$SCALEOUT_DIR"; say "deleted $SCALEOUT_DIR"; fi
}

status() {
  local file name rc=0 bin
  for file in "$SCALEOUT_DIR"/run/*.pid "$SCALEOUT_DIR/redis/redis.pid" "$SCALEOUT_DIR/nginx/nginx.pid"; do
    [ -e "$file" ] || continue
    name="$(basename "$file" .pid)"
    if alive "$file"; then echo "  $name: running (pid $(cat "$file"))"; else echo "  $name: stopped"; rc=1; fi
  done
  bin="$(pg_bin)"
  if [ -n "$bin" ] && [ -f "$SCALEOUT_DIR/postgres/data/PG_VERSION" ] \
     && as_postgres "$bin/pg_ctl" -D "$SCALEOUT_DIR/postgres/data" status > /dev/null 2>&1; then
    echo "  postgres: running (port $SCALEOUT_PG_PORT)"
  else
    echo "  postgres: stopped"; rc=1
  fi
  if .venv/rasa/bin/python scripts/wait_ready.py "http://127.0.0.1:$SCALEOUT_PORT/webhooks/rest/" \
       --timeout 3 2> /dev/null; then
    echo "  nginx entry point: answering on 127.0.0.1:$SCALEOUT_PORT"
  else
    echo "  nginx entry point: not answering on 127.0.0.1:$SCALEOUT_PORT"; rc=1
  fi
  return $rc
}

case "${1:-}" in
  up) shift; up "$@" ;;
  install) install_packages; say "installed: ${PACKAGES[*]}" ;;
  down) shift; down "$@" ;;
  status) status ;;
  *) echo "usage: deploy/scaleout.sh up [--no-install] | install | status | down [--purge]" >&2; exit 2 ;;
esac
