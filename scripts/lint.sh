#!/usr/bin/env bash
# Linters and type checks (make lint; the first stage of make test). Configuration in pyproject.toml and
# web/eslint.config.js; tools pinned in requirements/lint.txt (.venv/lint) and web/package-lock.json.
#   ruff check + ruff format --check   all the Python (both sides, scripts, bench, tests)
#   mypy                               bot/, actions/, scripts/, bench/ against the action side's environment
#                                      (Python 3.11); rasa_server/ against the rasa side's (Python 3.10)
#   eslint                             web/src, web/test, web/build.mjs
# Each check runs even if an earlier one failed; the exit code is non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export MYPY_CACHE_DIR=var/cache/mypy
lint=.venv/lint/bin
failed=()
check() {  # check NAME COMMAND...
  local name="$1"; shift
  if "$@"; then echo "ok: $name"; else failed+=("$name"); echo "FAILED: $name"; fi
}
check "ruff check" "$lint/ruff" check --quiet .
check "ruff format" "$lint/ruff" format --check --quiet .
check "mypy (action side, Python 3.11)" \
  "$lint/mypy" --python-executable .venv/actions/bin/python --python-version 3.11 bot actions scripts bench
check "mypy (rasa side, Python 3.10)" \
  "$lint/mypy" --python-executable .venv/rasa/bin/python --python-version 3.10 rasa_server
check "eslint (web)" scripts/web_lint.sh
if [ ${#failed[@]} -gt 0 ]; then
  echo "lint: ${#failed[@]} check(s) failed: ${failed[*]}" >&2
  exit 1
fi
