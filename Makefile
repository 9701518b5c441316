# Hiraku developer entry points.
#   make demo   – install, migrate, load the demo catalog and serve it on http://127.0.0.1:8000/
#   make test   – lint and run the whole test suite on SQLite, then on PostgreSQL
#
# Every step is stamped, so a second run installs nothing unless a lock file changed.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL pass creates (and drops) test_<name> on this server.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hiraku

RUNTIME_STAMP := $(VENV)/.hiraku-runtime
DEV_STAMP := $(VENV)/.hiraku-dev
# npm is only needed once the web assets declare packages (axe-core for the accessibility tests).
NODE_STAMP := $(if $(wildcard package.json),node_modules/.hiraku-installed)

.PHONY: demo serve migrate test lint test-sqlite test-postgres clean

demo: migrate
	$(BIN)/hiraku demo
	$(BIN)/hiraku serve --host $(HOST) --port $(PORT)

serve: $(RUNTIME_STAMP)
	$(BIN)/hiraku serve --host $(HOST) --port $(PORT)

migrate: $(RUNTIME_STAMP)
	$(BIN)/hiraku migrate --noinput

test: lint test-sqlite test-postgres

lint: $(DEV_STAMP)
	$(BIN)/ruff check hiraku

# Browser tests (-m browser) run in the SQLite pass only: they check what the
# pages look like and how they behave, which does not depend on the database,
# and Chromium is the slowest part of the suite. Everything database-specific
# (search backends, transactions, constraints) is covered by the other tests,
# which run in both passes.
test-sqlite: $(DEV_STAMP) $(NODE_STAMP)
	env -u DATABASE_URL $(BIN)/pytest

# Mandatory in CI. Locally it may be skipped, on purpose only, with HIRAKU_SKIP_POSTGRES=1.
test-postgres: $(DEV_STAMP)
	@if [ -n "$${HIRAKU_SKIP_POSTGRES:-}" ]; then \
	  if [ -n "$${CI:-}" ]; then echo "HIRAKU_SKIP_POSTGRES is not allowed in CI" >&2; exit 1; fi; \
	  echo "WARNING: PostgreSQL pass skipped (HIRAKU_SKIP_POSTGRES is set)" >&2; \
	else \
	  DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -m "not browser"; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): install the venv module (Debian/Ubuntu: apt-get install python3-venv)" >&2; exit 1; }
	$(BIN)/python -m pip install -q --upgrade pip

$(RUNTIME_STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

$(DEV_STAMP): requirements-dev.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r requirements-dev.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(RUNTIME_STAMP) $@

node_modules/.hiraku-installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules .pytest_cache
