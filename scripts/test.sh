#!/usr/bin/env bash
# The whole test suite (called by `make test` and by CI). Each stage runs even if an earlier one failed;
# the last line sums up every stage, and the exit code is non-zero if any failed.
set -uo pipefail
. scripts/env.sh
rm -rf var/test-results; mkdir -p var/log var/test-results tests/artifacts
export PYTHONDONTWRITEBYTECODE=1
failed_stages=()
stage() {  # stage NAME COMMAND...
  local name="$1"; shift
  echo; echo "=== $name"
  local start=$(date +%s)
  "$@"
  local rc=$?
  # pytest exits 5 when a folder holds no test yet: not a failure of the stage.
  if [ $rc -ne 0 ] && [ $rc -ne 5 ]; then failed_stages+=("$name"); echo "--- $name: FAILED (exit $rc)"; fi
  echo "--- $name: $(( $(date +%s) - start )) s"
}

stage "lint and types (ruff, mypy on both sides, eslint)" scripts/lint.sh
stage "dependency audit (pip-audit; skipped without PyPI's vulnerability data, failed then if AUDIT_REQUIRED=1)" \
  scripts/audit.sh --junit var/test-results/audit.xml
stage "unit tests (action side, Python 3.11)" \
  .venv/actions/bin/python -m pytest tests/unit -q -p no:cacheprovider --junitxml=var/test-results/unit.xml
# PostgreSQL and Redis serve the rasa-side tests of the tracker and lock stores and then the scale-out: installed
# once, before both (a fresh machine has neither).
stage "system packages for the store tests and the scale-out (PostgreSQL, Redis, nginx; apt-get when missing)" \
  deploy/scaleout.sh install
stage "rasa-side tests (channels, stores, Python 3.10)" \
  .venv/rasa/bin/python -m pytest tests/rasa -q -p no:cacheprovider --junitxml=var/test-results/rasa.xml
stage "rasa data validate" \
  bash -c '.venv/rasa/bin/rasa data validate --domain domain.yml --data data > var/log/validate.log 2>&1 || { grep -v "Location .file" var/log/validate.log | tail -n 30; exit 1; }'
stage "story tests (rasa test core, English and French)" \
  .venv/rasa/bin/python scripts/story_tests.py
stage "integration tests (both servers, REST, English and French)" \
  .venv/rasa/bin/python -m pytest tests/integration -q -p no:cacheprovider --junitxml=var/test-results/integration.xml
stage "web widget (node unit tests, end-to-end in headless Chromium)" \
  scripts/web_test.sh
stage "scale-out (nginx, 2 rasa + 2 action servers, PostgreSQL, Redis)" \
  .venv/rasa/bin/python -m pytest tests/scaleout -q -p no:cacheprovider --junitxml=var/test-results/scaleout.xml

echo
.venv/actions/bin/python scripts/test_summary.py var/test-results "${failed_stages[@]+"${failed_stages[@]}"}"
