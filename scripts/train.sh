#!/usr/bin/env bash
# Train the Rasa model (called by make when config.yml, domain.yml or data/ changed).
set -euo pipefail
. scripts/env.sh
mkdir -p models var/log
# Repeatable training: one seed (config.yml random_seed), a fixed hash seed, deterministic TensorFlow ops, and a
# fixed thread count so a machine with more cores computes the same sums in the same order.
export PYTHONHASHSEED=0 TF_DETERMINISTIC_OPS=1
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-2}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-2}"
# The message tells the time the last training took on this machine (var/log/train.seconds), else the time measured
# on a new 2-core machine (docs/benchmarks.md).
last="$(cat var/log/train.seconds 2>/dev/null || true)"
if [[ "$last" =~ ^[0-9]+$ ]]; then took="the last training here took $last s"; else took="about 5 minutes on 2 cores"; fi
echo ">> training the Rasa model ($took; log in var/log/train.log)"
start=$(date +%s)
if ! .venv/rasa/bin/rasa train --domain domain.yml --data data --config config.yml --out models \
     --fixed-model-name expat-sante > var/log/train.log 2>&1; then
  grep -v "Location 'file" var/log/train.log | tail -n 30
  echo "error: training failed (full log: var/log/train.log)" >&2
  exit 1
fi
touch "$RASA_MODEL"
seconds=$(( $(date +%s) - start ))
echo "$seconds" > var/log/train.seconds
echo ">> model ready: $RASA_MODEL ($seconds s)"
