# Expat Santé — one command set for people and CI.  `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

RASA_VENV := .venv/rasa/.requirements.sha256
ACTIONS_VENV := .venv/actions/.requirements.sha256
LINT_VENV := .venv/lint/.requirements.sha256
MODEL := models/expat-sante.tar.gz
TRAINING_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
ENV := source scripts/env.sh &&

.PHONY: help install index train web run test lint check eval bench audit clean telegram-webhook telegram-poll

help: ## Show this help
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install: $(RASA_VENV) $(ACTIONS_VENV) ## Create both pinned environments (first run only; later runs reuse them)

$(RASA_VENV): requirements/rasa.txt scripts/venv.sh
	@scripts/venv.sh rasa 3.10 requirements/rasa.txt

$(ACTIONS_VENV): requirements/actions.txt scripts/venv.sh
	@scripts/venv.sh actions 3.11 requirements/actions.txt

$(LINT_VENV): requirements/lint.txt scripts/venv.sh
	@scripts/venv.sh lint 3.11 requirements/lint.txt

index: $(ACTIONS_VENV) ## Build the knowledge index if the knowledge or the embedding model changed
	@$(ENV) .venv/actions/bin/python -m bot index

$(MODEL): $(TRAINING_INPUTS) | $(RASA_VENV)
	@scripts/train.sh

train: $(MODEL) ## Train the Rasa model if config.yml, domain.yml or data/ changed

web: ## Build the web widget into web/dist (npm ci from web/package-lock.json; no CDN at run time)
	@scripts/web_build.sh

# What run and test need is built side by side (issue 18): the two environments install together, then the index
# builds while the model trains and the widget builds. Each step still waits for what it needs (its prerequisites).
PARALLEL := $(MAKE) --no-print-directory -j4

run: ## Start everything: action server, rasa server (REST, socket.io), web demo page; Ctrl-C stops all
	@$(PARALLEL) install index train web
	@scripts/run.sh

test: ## Run the whole test suite (lint and types first, unit, rasa-side, validation, stories, integration, web widget, scale-out)
	@$(PARALLEL) install $(LINT_VENV) index train web
	@scripts/test.sh

lint: install $(LINT_VENV) web ## Linters and type checks: ruff, mypy (both sides), eslint (the first stage of make test)
	@scripts/lint.sh

check: lint ## Everyday check in under two minutes: lint and types, then the action-side unit tests
	@$(ENV) .venv/actions/bin/python -m pytest tests/unit -q -p no:cacheprovider

eval: install index train ## Quality on the held-out sets: retrieval (R@1, R@3, MRR per language and method), NLU (F1), reply language, end-to-end conversations through REST (facts in the reply, dead ends, language; starts the servers if none answers)
	@$(ENV) .venv/actions/bin/python -m bot eval
	@# NLU F1 and the reply-language check are diagnostics now (issue 14): their failure does not stop the rest.
	-@$(ENV) .venv/rasa/bin/python scripts/eval_nlu.py
	-@$(ENV) .venv/actions/bin/python scripts/eval_language.py
	@$(ENV) .venv/rasa/bin/python scripts/eval_conversations.py
	@echo ">> the fresh probe (written after the 3 Dec fixes, never used to tune them)"
	@$(ENV) .venv/rasa/bin/python scripts/eval_conversations.py --dir tests/eval/conversations-fresh

bench: install index train ## Benchmark against a plain Rasa reference bot in the same run; writes docs/benchmarks.md (BENCH_QUICK=1: small counts)
	@$(ENV) .venv/rasa/bin/python -m bench

audit: ## Known vulnerabilities in the pinned dependencies (pip-audit; reviewed exceptions in requirements/audit-ignore.txt)
	@scripts/audit.sh

telegram-webhook: | $(RASA_VENV) ## Register TELEGRAM_WEBHOOK_URL with Telegram (retried; see docs/telegram.md)
	@$(ENV) .venv/rasa/bin/python scripts/telegram.py set-webhook

telegram-poll: | $(RASA_VENV) ## No public URL: relay Telegram updates to the local server (run beside `make run`)
	@$(ENV) .venv/rasa/bin/python scripts/telegram.py poll --rasa-url http://127.0.0.1:$${RASA_PORT}

clean: ## Remove built artefacts (index, model, logs, tracker database); keeps the environments
	rm -rf var models results
