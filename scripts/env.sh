# Sourced by the make targets: the project's environment, from .env (if present) and then these defaults.
# Every variable is described in .env.example; bot/settings.py holds the same defaults, types and checks (every
# variable with a non-empty default is given it here; tests/unit/test_settings.py checks that the two agree).
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export RASA_HOST="${RASA_HOST:-127.0.0.1}"
export RASA_PORT="${RASA_PORT:-5005}"
export ACTION_PORT="${ACTION_PORT:-5055}"
export ACTION_HOST="${ACTION_HOST:-127.0.0.1}"
export WEB_PORT="${WEB_PORT:-8080}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTION_PORT}/webhook}"
export TRACKER_DIALECT="${TRACKER_DIALECT:-sqlite}"
export TRACKER_DB="${TRACKER_DB:-var/tracker.db}"
export CORS_ORIGINS="${CORS_ORIGINS:-http://localhost:${WEB_PORT},http://127.0.0.1:${WEB_PORT}}"
export DEFAULT_LANGUAGE="${DEFAULT_LANGUAGE:-en}"
export MAX_MESSAGE_CHARS="${MAX_MESSAGE_CHARS:-2000}"
export RATE_LIMIT_PER_MINUTE="${RATE_LIMIT_PER_MINUTE:-30}"
export TRACKER_RETENTION_DAYS="${TRACKER_RETENTION_DAYS:-30}"
export KNOWLEDGE_DIR="${KNOWLEDGE_DIR:-knowledge}"
export INDEX_DIR="${INDEX_DIR:-var/index}"
export EMBEDDING_MODEL="${EMBEDDING_MODEL:-bundled:all-MiniLM-L6-v2}"
export RASA_MODEL="${RASA_MODEL:-models/expat-sante.tar.gz}"
export LOG_LEVEL="${LOG_LEVEL:-INFO}"
export TELEGRAM_API_BASE_URL="${TELEGRAM_API_BASE_URL:-https://api.telegram.org}"
export BENCH_BUDGET_S="${BENCH_BUDGET_S:-150}"
# Offline by design: no model hub, no telemetry.
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 RASA_TELEMETRY_ENABLED=false TOKENIZERS_PARALLELISM=false
# The rasa server loads our connectors and stores from rasa_server/, and everything imports bot/.
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p var
