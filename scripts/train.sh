#!/usr/bin/env bash
# Train the Rasa model (called by make when config.yml, domain.yml or data/ changed).
set -euo pipefail
. scripts/env.sh
mkdir -p models var/log
# Repeatable training: one seed (config.yml random_seed), a fixed hash seed, deterministic TensorFlow ops, and a
# fixed thread count so a machine with more cores computes the same sums in the same order.
export PYTHONHASHSEED=0 TF_DETERMINISTIC_OPS=1
export TF_INTRA_OP_PARALLELISM_THREADS="${TF_INTRA_OP_PARALLELISM_THREADS:-2}" TF_INTER_OP_PARALLELISM_THREADS="${TF_INTER_OP_PARALLELISM_THREADS:-2}"
# The message tells the time the last *full* training took on this machine (var/log/train.seconds), else the time
# measured on a new 2-core machine (README). A training that restored the NLU classifiers from Rasa's cache (only the
# domain or the rules changed) is not recorded as one.
last="$(cat var/log/train.seconds 2>/dev/null || true)"
if [[ "$last" =~ ^[0-9]+$ ]]; then took="a full training here last took $last s"; else took="about a minute on 2 cores"; fi
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
if grep -qE "Restored component '(LinearIntentClassifier|CRFEntityExtractor)'" var/log/train.log; then
  echo ">> model ready: $RASA_MODEL ($seconds s; Rasa reused parts of the previous training)"
else
  echo "$seconds" > var/log/train.seconds
  echo ">> model ready: $RASA_MODEL ($seconds s)"
fi
