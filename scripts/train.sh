#!/usr/bin/env bash
# Train the Rasa model (called by make when config.yml, domain.yml or data/ changed).
set -euo pipefail
. scripts/env.sh
mkdir -p models var/log
echo ">> training the Rasa model (about 2-4 minutes; log in var/log/train.log)"
start=$(date +%s)
if ! .venv/rasa/bin/rasa train --domain domain.yml --data data --config config.yml --out models \
     --fixed-model-name expat-sante > var/log/train.log 2>&1; then
  grep -v "Location 'file" var/log/train.log | tail -n 30
  echo "error: training failed (full log: var/log/train.log)" >&2
  exit 1
fi
touch "$RASA_MODEL"
echo ">> model ready: $RASA_MODEL ($(( $(date +%s) - start )) s)"
