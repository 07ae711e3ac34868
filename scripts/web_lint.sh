#!/usr/bin/env bash
# Lint of the web widget: eslint (web/eslint.config.js) over web/src, web/test and web/build.mjs. Uses the
# node_modules installed from web/package-lock.json by scripts/web_build.sh (`npm ci`); run that first on a clean clone.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v npm >/dev/null || { echo "error: node and npm are needed to lint the web widget (apt-get install nodejs npm)" >&2; exit 1; }
[ -x web/node_modules/.bin/eslint ] || { echo "error: web/node_modules has no eslint: run scripts/web_build.sh first" >&2; exit 1; }
npm --prefix web run lint --silent
