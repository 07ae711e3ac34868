#!/usr/bin/env bash
# Start the action server and the rasa server; stop both on Ctrl-C. Called by `make run`.
set -euo pipefail
. scripts/env.sh
mkdir -p var/log
pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo ">> stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo ">> stopped"
}
trap stop INT TERM EXIT

# Bad settings, a damaged model or index: one clear line each, and nothing starts.
.venv/actions/bin/python scripts/preflight.py || { trap - INT TERM EXIT; exit 2; }

# The action server listens on loopback only: only the rasa server talks to it.
.venv/actions/bin/python -m actions \
  > var/log/actions.log 2>&1 &
pids+=($!)
.venv/rasa/bin/rasa run --model "$RASA_MODEL" --interface "$RASA_HOST" --port "$RASA_PORT" \
  --endpoints endpoints.yml --credentials credentials.yml --cors ${CORS_ORIGINS//,/ } \
  > var/log/rasa.log 2>&1 &
pids+=($!)
.venv/actions/bin/python scripts/web_serve.py > var/log/web.log 2>&1 &
pids+=($!)

echo ">> starting (logs: var/log/actions.log, var/log/rasa.log, var/log/web.log)"
.venv/actions/bin/python scripts/wait_ready.py "http://127.0.0.1:$ACTION_PORT/health" "http://127.0.0.1:$RASA_PORT/webhooks/rest/" \
  "http://127.0.0.1:$WEB_PORT/" \
  || { echo "error: a server did not start; see the logs above" >&2; tail -n 20 var/log/actions.log var/log/rasa.log var/log/web.log; exit 1; }
cat <<MSG

Expat Santé is running.
  REST:      curl -s -H 'Content-Type: application/json' -d '{"sender":"me","message":"Bonjour"}' http://$RASA_HOST:$RASA_PORT/webhooks/rest/webhook
  web chat:  http://localhost:$WEB_PORT/ (demo page with the widget; its origin must be in CORS_ORIGINS)
  socket.io: http://$RASA_HOST:$RASA_PORT/socket.io (for the web widget)
  actions:   http://127.0.0.1:$ACTION_PORT (loopback only)
Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}"
echo "error: a server stopped unexpectedly; see var/log/" >&2
exit 1
