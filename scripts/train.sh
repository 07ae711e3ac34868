#!/usr/bin/env bash
# Train the Rasa model (called by make when config.yml, domain.yml or data/ changed).
set -euo pipefail
. scripts/env.sh
mkdir -p models var/log
# Repeatable training: one seed (config.yml random_seed), a fixed hash seed, deterministic TensorFlow ops, and a
# fixed thread count so a machine with more cores computes the same sums in the same order.
export PYTHONHASHSEED=0 TF_DETERMINISTIC_OPS=1
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-2}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-2}"
echo ">> training the Rasa model (about 5 minutes on 2 cores, less when Rasa's cache holds parts; log in var/log/train.log)"
start=$(date +%s)
if ! .venv/rasa/bin/rasa train --domain domain.yml --data data --config config.yml --out models \
     --fixed-model-name expat-sante > var/log/train.log 2>&1; then
  grep -v "Location 'file" var/log/train.log | tail -n 30
  echo "error: training failed (full log: var/log/train.log)" >&2
  exit 1
fi
touch "$RASA_MODEL"
echo ">> model ready: $RASA_MODEL ($(( $(date +%s) - start )) s)"
