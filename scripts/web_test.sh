#!/usr/bin/env bash
# The web widget's tests: the widget's own unit tests (node, web/test) and the end-to-end tests in headless
# Chromium against the real servers (tests/browser). Installs what is missing first (chromium, Playwright, npm
# packages from the lock) and builds web/dist. JUnit files go to var/test-results/ for the closing summary.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mkdir -p var/test-results tests/artifacts/browser
scripts/web_install_browser.sh || { echo "error: could not install chromium / Playwright" >&2; exit 1; }
scripts/web_build.sh || { echo "error: could not build the web widget" >&2; exit 1; }
rc=0
echo ">> web: unit tests (node --test web/test)"
(cd web && node --test --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=junit --test-reporter-destination=../var/test-results/web-unit.xml test/) || rc=1
echo ">> web: end-to-end tests in headless Chromium (screenshots in tests/artifacts/browser/)"
# A test is run a second time only when the browser itself went away under it (a Chromium crash on a loaded
# machine), never for a failed expectation.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 .venv/actions/bin/python -m pytest tests/browser -q -p no:cacheprovider \
  --reruns 1 --only-rerun TargetClosedError --junitxml=var/test-results/browser.xml "$@"
browser_rc=$?
[ $browser_rc -ne 0 ] && [ $browser_rc -ne 5 ] && rc=1
exit $rc
