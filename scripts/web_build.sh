#!/usr/bin/env bash
# Build the web widget into web/dist/ (widget.js with its socket.io client, demo page). npm dependencies come from
# web/package-lock.json (`npm ci`), reinstalled only when the lock changes; the build reruns only when a source
# changed. No CDN at run time: everything the page loads is in web/dist/.
set -euo pipefail
cd "$(dirname "$0")/../web"
command -v node >/dev/null || { echo "error: node is needed to build the web widget (apt-get install nodejs npm)" >&2; exit 1; }
stamp=node_modules/.lock.sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$lock_sum" ]; then
  echo ">> web: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > "$stamp"
fi
if [ -f dist/widget.js ] && [ -z "$(find src demo build.mjs package-lock.json -newer dist/widget.js -print -quit)" ]; then
  exit 0
fi
echo ">> web: building web/dist"
node build.mjs
