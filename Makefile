# Every target creates .venv from requirements.lock when it is missing (or when the lock or
# pyproject.toml changed). Exact versions and hashes: upgrading is a deliberate `make lock`.
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed-stamp
LOCK := requirements.lock
UV := .venv/bin/uv
LATEST := .venv-latest
# One lock for Python 3.11 and later, every platform; one version per package wherever possible.
COMPILE := pip compile --quiet --generate-hashes --universal --fork-strategy fewest --python-version 3.11
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_ENV := OBSERVATORY_DEMO=1

.PHONY: demo demo-reset test lint pytest bench clean lock test-latest assets

# uv itself, pinned with its hashes, installed by the venv's own pip: the only step before the lock.
$(UV):
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required (found $$($(PYTHON) --version))"; exit 1; }
	test -x .venv/bin/python || $(PYTHON) -m venv .venv
	.venv/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/bootstrap.lock

# The venv is exactly the lock (sync removes anything else), then the project itself, editable.
.venv/.installed-stamp: $(LOCK) pyproject.toml | $(UV)
	$(UV) pip sync --quiet --python .venv/bin/python --require-hashes $(LOCK)
	$(UV) pip install --quiet --python .venv/bin/python --no-deps --no-build-isolation -e .
	touch $@

# Front-end packages for the tests (axe-core), exactly as package-lock.json says.
NODE_STAMP := node_modules/.installed-stamp
$(NODE_STAMP): package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# What the app serves from those packages is copied into its static files and committed, so that
# `make demo` needs no npm; tests/web/test_vendor_assets.py checks the copy equals the lock's.
VENDOR := src/observatory/web/static/web/vendor
## make assets: copy the served front-end files from node_modules (after make lock)
assets: $(NODE_STAMP)
	cp node_modules/protomaps-leaflet/dist/protomaps-leaflet.js $(VENDOR)/protomaps-leaflet.js
	cp node_modules/protomaps-leaflet/dist/protomaps-leaflet.js.map $(VENDOR)/protomaps-leaflet.js.map
	cp node_modules/protomaps-leaflet/LICENSE $(VENDOR)/protomaps-leaflet.LICENSE.txt

## make lock: re-resolve every dependency to its newest allowed release (a deliberate upgrade)
lock: | $(UV)
	$(UV) $(COMPILE) --upgrade --extra dev --extra redis --extra s3 pyproject.toml requirements/tools.in -o $(LOCK)
	$(UV) $(COMPILE) --constraint $(LOCK) requirements/bootstrap.in -o requirements/bootstrap.lock
	npm install --save-exact --save-dev --ignore-scripts --no-audit --no-fund \
	  $$(node -p "Object.keys(require('./package.json').devDependencies).map(n => n + '@latest').join(' ')")
	$(MAKE) --no-print-directory assets
	@echo "Lock refreshed: review the diffs of $(LOCK) and package-lock.json, run make test, commit the lock files and $(VENDOR)."

## make test-latest: the whole suite on today's newest releases, in $(LATEST), to see drift on purpose
test-latest: | $(UV)
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(UV) pip install --quiet --python $(LATEST)/bin/python --upgrade -e '.[dev]'
	touch $(LATEST)/.installed-stamp
	$(MAKE) --no-print-directory lint pytest VENV=$(LATEST)

## make demo: install, migrate, load the demo data and serve on http://$(HOST):$(PORT) with gunicorn and a job worker
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/observatory migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/observatory collectstatic --noinput -v0
	$(DEMO_ENV) $(BIN)/observatory load-demo
	@echo
	@echo "Observatory is running on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "Where to look first (log in with a demo login printed above; they are in var/demo_logins.txt):"
	@echo "  http://$(HOST):$(PORT)/                        the public map, as residents see it"
	@echo "  http://$(HOST):$(PORT)/report/                 the report form: search an address (try \"rue pajol\")"
	@echo "  http://$(HOST):$(PORT)/fieldwork/plan/         the plan: commitments, targets and progress"
	@echo "  http://$(HOST):$(PORT)/analysis/               hot spots, rhythms, trends (observatory)"
	@echo "  http://$(HOST):$(PORT)/fieldwork/operations/   operations and their displacement panels (observatory)"
	@echo "  http://$(HOST):$(PORT)/siting/new/             where to open care, on the estimated scene (observatory)"
	@echo "  http://$(HOST):$(PORT)/consultations/          one vote open (codes above), one closed with results"
	@echo "  http://$(HOST):$(PORT)/panel/                  a citizens' panel, committed, waiting for its public draw"
	@echo "  http://$(HOST):$(PORT)/simulation/             what-if runs on the city's last year (observatory)"
	@echo "  http://$(HOST):$(PORT)/fieldwork/rounds/new/   the outreach form (outreach)"
	@echo
	@# The job worker (and the daily jobs' scheduler) beside the server, on the same SQLite file; it
	@# stops with the server (Ctrl-C or any exit), and jobs left queued run at the next make demo.
	@$(DEMO_ENV) $(BIN)/observatory worker --scheduler -v0 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(BIN)/gunicorn observatory.wsgi --bind $(HOST):$(PORT) --workers 3 --threads 4 --logger-class observatory.web.core.accesslog.AccessLogger --access-logfile - --log-level warning

## make demo-reset: forget the demo (its database, uploads, logins and key in var/); the next make demo starts afresh
demo-reset:
	rm -rf var

## make test: lint, import rules, types, then the whole suite (SQLite, or DATABASE_URL when set)
test: lint pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/mypy

pytest: $(STAMP) $(NODE_STAMP)
	$(BIN)/pytest -n 2

## make bench: every benchmark, each prints its table
bench: $(STAMP)
	@for b in benchmarks/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf .venv $(LATEST) node_modules var .pytest_cache .mypy_cache .ruff_cache
