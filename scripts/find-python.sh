#!/usr/bin/env bash
# Print the path of a working Python interpreter of the given minor version (3.10 or 3.11), or explain what to install.
# Order: $PYTHON310 / $PYTHON311, then pythonX.Y on PATH (checked to run: a pyenv shim may exist without the version
# being selected), then pyenv's own install folders.
set -euo pipefail
want="${1:?usage: find-python.sh 3.10|3.11}"
var="PYTHON${want/./}"
candidates=()
[ -n "${!var:-}" ] && candidates+=("${!var}")
candidates+=("python$want")
if command -v pyenv >/dev/null 2>&1; then
  root="$(pyenv root)"
  for dir in "$root"/versions/"$want".*; do [ -x "$dir/bin/python$want" ] && candidates+=("$dir/bin/python$want"); done
fi
for dir in "$HOME"/.pyenv/versions/"$want".* /usr/local/bin /usr/bin; do
  [ -x "$dir/bin/python$want" ] && candidates+=("$dir/bin/python$want")
  [ -x "$dir/python$want" ] && candidates+=("$dir/python$want")
done
for candidate in "${candidates[@]}"; do
  if version="$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" && [ "$version" = "$want" ]; then
    command -v "$candidate" 2>/dev/null || echo "$candidate"
    exit 0
  fi
done
case "$want" in
  3.10) why="the rasa server (Rasa Open Source 3.6 supports Python 3.8-3.10 only)";;
  3.11) why="the action server (the CPU build of torch 2.13.0 on this machine is for Python 3.11)";;
  *) why="this project";;
esac
cat >&2 <<MSG
error: Python $want is needed for $why, and none was found.
Install it, then run the command again:
  - with pyenv:   pyenv install $want   (then it is found in pyenv's versions folder)
  - with Debian:  apt-get install python$want python$want-venv
  - or point to it: export $var=/path/to/python$want
MSG
exit 1
