# Two commands on a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 5000
# `make test FAST=1` skips the slow suites (real processes, servers, the browser).
PYTEST_ARGS ?=
ifdef FAST
PYTEST_ARGS += -m "not slow and not browser"
endif
# Debian packages that some suites need (the browser tests); `make system-deps`
# installs them, and .ci/run calls it, so CI and a new machine match.
SYSTEM_DEPS := chromium redis-server redis-tools fonts-noto-core fonts-noto-cjk icc-profiles-free libgs-common poppler-utils qpdf libicu-dev
# The OpenAPI linter, from npm into a project-local folder (redocly.yaml says
# which rules; none is disabled). Telemetry and update checks off.
TOOLS   := .tools
REDOCLY_VERSION := 2.77.0
REDOCLY := $(TOOLS)/node_modules/.bin/redocly
REDOCLY_ENV := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

.PHONY: install system-deps run test lint lint-openapi format openapi bench bench-social bench-production clean

$(STAMP): pyproject.toml Makefile $(wildcard plugins/*/pyproject.toml plugins/*/src/*/*.py)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	# The example third-party plugin, installed the way a user would.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ./plugins/sidcontent-calendar
	touch $(STAMP)

install: $(STAMP)

$(REDOCLY):
	npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error @redocly/cli@$(REDOCLY_VERSION)

lint-openapi: $(REDOCLY)
	$(REDOCLY_ENV) $(REDOCLY) lint openapi.yaml --config redocly.yaml --format=summary

system-deps:
	@missing=$$(for p in $(SYSTEM_DEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "== installing Debian packages: $$missing"; \
		apt-get install -y -q $$missing >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null && apt-get install -y -q $$missing >/dev/null; }; \
	fi

run: install
	$(BIN)/sidcontent db upgrade
	$(BIN)/sidcontent fixtures load fixtures
	@echo "== the CLI, in another terminal: cd $(CURDIR) && source $(VENV)/bin/activate"
	@echo "== then: sidcontent info; TOKEN=\$$(sidcontent tokens create --name me --role publisher --quiet)"
	$(BIN)/sidcontent serve --host $(HOST) --port $(PORT)

test: install lint-openapi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install lint-openapi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

openapi: install
	$(BIN)/sidcontent openapi -o openapi.yaml

bench: install
	$(BIN)/python bench/read_api.py
	$(BIN)/python bench/worker_memory.py
	$(BIN)/python bench/export_worker.py
	$(BIN)/python bench/poster.py
	$(BIN)/python bench/newsletter.py
	$(BIN)/python bench/sync.py

bench-social: install
	$(BIN)/python bench/social.py

# The production path: slow clients, exports inline vs queued (needs PostgreSQL and Redis).
bench-production: install
	$(BIN)/python bench/slow_clients.py
	$(BIN)/python bench/exports_queue.py

clean:
	rm -rf $(VENV) $(TOOLS) build dist *.egg-info src/*.egg-info .pytest_cache .ruff_cache
