# Everyday commands. `make help` lists them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FN ?= NotifyFunction
EVENT ?= events/approval-request.json

.DEFAULT_GOAL := help
.PHONY: help setup setup-local chromium oidc demo test lint invoke events bench templates audit redrive clean
TABLE ?= $(APPROVALS_TABLE)
DEMO_STACK ?= outbox/demo-stack.env

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# Two stamps: the demo and the replay need only the functions and the offline stand-ins
# (the `local` extra); the tests, linters and benchmark need the `dev` set on top.
$(BIN)/.installed-local: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[local]"
	touch $@

$(BIN)/.installed: pyproject.toml $(BIN)/.installed-local
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

setup-local: $(BIN)/.installed-local ## Create .venv with what the demo, replay and audit need

setup: $(BIN)/.installed ## Create .venv with everything the demo, tests and linters need

chromium: ## Install Debian's Chromium for the browser tests (needs root and apt-get)
	@if [ -x /usr/bin/chromium ]; then echo "chromium: $$(/usr/bin/chromium --version)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "chromium: not installed; browser tests will be skipped (apt-get install chromium)"; fi

OIDC_DIR := local/oidc

oidc: ## Install the local OpenID provider for the sign-in tests (Node.js, then npm ci)
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; \
	  else echo "oidc: Node.js not installed; sign-in tests will be skipped (apt-get install nodejs npm)"; fi; fi
	@if command -v npm >/dev/null && \
	  [ ! "$(OIDC_DIR)/node_modules/.package-lock.json" -nt "$(OIDC_DIR)/package-lock.json" ]; then \
	  npm ci --prefix $(OIDC_DIR) --no-audit --no-fund --loglevel=error; fi

demo: setup-local ## Run the approval flow offline (SIGN_IN=1: approvers sign in first; Node.js; SLACK=1: vote in a local Slack too)
	$(if $(SIGN_IN),@$(MAKE) --no-print-directory oidc)
	$(BIN)/python -m local.demo $(if $(SIGN_IN),--sign-in) $(if $(SLACK),--slack)

test: setup chromium oidc ## Run every test: unit, handlers, template, local stack, browser
	$(BIN)/python -m pytest

lint: setup ## ruff, mypy and bandit
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r functions local

invoke: setup-local ## Replay an event offline: make invoke FN=DecideFunction EVENT=events/decide-get.json [ARGS=-v]
	$(BIN)/python -m local.invoke $(FN) $(EVENT) $(ARGS)

events: setup-local ## Regenerate events/ (the decide events carry links signed with the local key)
	$(BIN)/python -m local.sample_events

# Without TABLE, while `make demo` runs, the demo's stand-ins (outbox/demo-stack.env) are used.
audit: setup-local ## List a pipeline's requests and votes: make audit PIPELINE=name [TABLE=table]
	@table="$(TABLE)"; \
	if [ -z "$$table" ] && [ -f "$(DEMO_STACK)" ]; then \
	  set -a; . "$(DEMO_STACK)"; set +a; table="$$APPROVALS_TABLE"; fi; \
	PYTHONPATH=functions $(BIN)/python -m greenlight.audit --table "$$table" --pipeline "$(PIPELINE)"

# QUEUE is the stack's NotifyDeadLetterQueueUrl output, FUNCTION the notify function's name.
redrive: setup-local ## Redrive dead letters to notify: make redrive QUEUE=url FUNCTION=name [ARGS=--dry-run]
	PYTHONPATH=functions $(BIN)/python -m greenlight.redrive --queue "$(QUEUE)" --function "$(FUNCTION)" $(ARGS)

# The benchmark runs on the functions' runtime (template.yaml: python3.13), in a venv of its
# own with what Lambda and the layers provide, so the cold starts load bytecode of the Python
# they run on. Without that Python it runs on .venv's and its results say so.
RUNTIME := python3.13
RUNTIME_PYTHON ?= $(shell for p in "$$(command -v $(RUNTIME))" \
  "$$(pyenv prefix "$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.13' | tail -1)" 2>/dev/null)/bin/$(RUNTIME)"; do \
  [ -x "$$p" ] && "$$p" -c pass 2>/dev/null && { echo "$$p"; break; }; done)
BENCH_VENV := .venv-bench
SAM ?= $(shell command -v sam)

$(BENCH_VENV)/.installed: pyproject.toml
	$(RUNTIME_PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet ".[bench]"
	touch $@

bench: setup ## Measure cold start, warm latency, AWS calls and artifact size (SAM=path to sam)
ifneq ($(RUNTIME_PYTHON),)
	@$(MAKE) --no-print-directory $(BENCH_VENV)/.installed
	SAM="$(SAM)" RUNTIME_PYTHON="$(RUNTIME_PYTHON)" $(BENCH_VENV)/bin/python -m bench
else
	@echo "bench: $(RUNTIME) (the functions' runtime) not found; measuring on $$($(BIN)/python -V)"
	SAM="$(SAM)" $(BIN)/python -m bench
endif

templates: setup ## Compile templates/ to Python after changing one (a stale copy is never used)
	PYTHONPATH=functions $(BIN)/python -m greenlight.rendering

clean: ## Remove .venv, outbox/ and build output
	rm -rf $(VENV) $(BENCH_VENV) outbox .aws-sam .pytest_cache .mypy_cache .ruff_cache
