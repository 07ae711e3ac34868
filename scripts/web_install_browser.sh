#!/usr/bin/env bash
# What the browser tests need: Debian's chromium and the Python Playwright driver in the action-side environment.
# Idempotent and fast when already there. Playwright is told never to download a browser of its own.
set -euo pipefail
cd "$(dirname "$0")/.."
python=.venv/actions/bin/python
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo ">> installing Debian's chromium (apt-get)"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
# Every pin of tests/browser/requirements.txt already installed at its version? Then nothing to do.
if ! "$python" - tests/browser/requirements.txt <<'PY'
import importlib.metadata as metadata
import sys

for line in open(sys.argv[1], encoding="utf-8"):
    name, sep, version = line.split("#")[0].strip().partition("==")
    if sep:
        try:
            assert metadata.version(name) == version
        except (metadata.PackageNotFoundError, AssertionError):
            sys.exit(1)
PY
then
  echo ">> installing the browser tests' packages (tests/browser/requirements.txt) into .venv/actions"
  "$python" -m pip install --quiet --disable-pip-version-check -r tests/browser/requirements.txt
fi
