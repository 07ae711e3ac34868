#!/usr/bin/env bash
# Create or update a pinned virtual environment: scripts/venv.sh NAME PYTHON_VERSION REQUIREMENTS_FILE
# The first run installs; later runs reuse it, and reinstall only when the requirements file changed.
set -euo pipefail
name="$1" version="$2" requirements="$3"
venv=".venv/$name"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ] && [ -x "$venv/bin/python" ]; then
  exit 0
fi
python="$(scripts/find-python.sh "$version")"
echo ">> $venv: installing $requirements with $python (first run: a few minutes)"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$requirements"
echo "$wanted" > "$stamp"
echo ">> $venv ready"
