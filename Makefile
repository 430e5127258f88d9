# Everyday commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FN ?= NotifyFunction
EVENT ?= events/approval-request.json

.DEFAULT_GOAL := help
.PHONY: help setup chromium demo test lint invoke events bench audit clean
TABLE ?= $(APPROVALS_TABLE)

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup: $(BIN)/.installed ## Create .venv with everything the functions, demo and tests need

chromium: ## Install Debian's Chromium for the browser tests (needs root and apt-get)
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium: not installed; browser tests will be skipped (apt-get install chromium)"; fi

demo: setup ## Run the approval flow offline; mails land in outbox/, links open in a browser
	$(BIN)/python -m local.demo

test: setup chromium ## Run every test: unit, handlers, template, local stack, browser
	$(BIN)/python -m pytest

lint: setup ## ruff, mypy and bandit
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r functions local

invoke: setup ## Replay an event offline: make invoke FN=DecideFunction EVENT=events/decide-get.json
	$(BIN)/python -m local.invoke $(FN) $(EVENT)

events: setup ## Regenerate events/ (the decide events carry links signed with the local key)
	$(BIN)/python -m local.sample_events

audit: setup ## List a pipeline's approval requests and votes: make audit PIPELINE=name TABLE=table
	PYTHONPATH=functions $(BIN)/python -m greenlight.audit --table "$(TABLE)" --pipeline "$(PIPELINE)"

bench: setup ## Measure cold start, warm latency, AWS calls and artifact size
	$(BIN)/python -m bench

clean: ## Remove .venv, outbox/ and build output
	rm -rf $(VENV) outbox .aws-sam .pytest_cache .mypy_cache .ruff_cache
