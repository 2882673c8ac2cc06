# Every target creates .venv when it is missing (or when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := OBSERVATORY_DEMO=1

.PHONY: demo test lint pytest bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## make demo: install, migrate, load the demo data and serve on http://127.0.0.1:8000 with gunicorn
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/observatory migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/observatory collectstatic --noinput -v0
	$(DEMO_ENV) $(BIN)/observatory load-demo
	@echo
	@echo "Observatory is running on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo
	$(DEMO_ENV) $(BIN)/gunicorn observatory.wsgi --bind $(HOST):$(PORT) --workers 3 --threads 4 --access-logfile - --log-level warning

## make test: lint, import rules, types, then the whole suite (SQLite, or DATABASE_URL when set)
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2

## make bench: every benchmark, each prints its table
bench: $(STAMP)
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
