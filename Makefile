# Quanzi — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := src/quanzi/web/static/vendor
PG_ADMIN ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: demo test lint typecheck layers test-sqlite test-postgres install services browser serve clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Front-end libraries (htmx, Chart.js) pinned in package-lock.json, installed from npm,
# never committed; one run of scripts/vendor.sh makes them all.
VENDORED := $(VENDOR)/htmx.min.js $(VENDOR)/chart.umd.min.js
$(VENDORED) &: package.json package-lock.json scripts/vendor.sh
	@scripts/vendor.sh

install: $(STAMP) $(VENDORED)

## make demo: fresh machine → venv, install, migrate, seed demo data, serve on :8000 (SQLite)
demo: install
	$(BIN)/quanzi demo --host 127.0.0.1 --port 8000

serve: install
	$(BIN)/quanzi serve

## make test: lint, types, import layers, then the whole suite on SQLite and on PostgreSQL
test: install services browser lint typecheck layers test-sqlite test-postgres

services:
	@scripts/ensure-services.sh

# Debian's Chromium and CJK fonts for tests/e2e (Playwright drives /usr/bin/chromium).
browser:
	@scripts/ensure-browser.sh

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: install
	$(BIN)/mypy

layers: install
	$(BIN)/lint-imports

test-sqlite: install browser
	QUANZI_TEST_DATABASE=sqlite $(BIN)/pytest

test-postgres: install services browser
	QUANZI_TEST_DATABASE=postgres QUANZI_TEST_PG_ADMIN=$(PG_ADMIN) $(BIN)/pytest

clean:
	rm -rf $(VENV) node_modules $(VENDOR) quanzi.db quanzi.db-wal quanzi.db-shm .mypy_cache .ruff_cache

## make bench: every benchmark scenario, bounded (docs/performance.md); JSON in bench/results/
BENCH_SECONDS ?= 10
BENCH_SCENARIOS ?= checkout hot-sku hot-group expiry dashboard commission
bench: install services
	@mkdir -p bench/results
	@status=0; for scenario in $(BENCH_SCENARIOS); do \
		echo "== $$scenario" >&2; \
		$(BIN)/quanzi bench $$scenario --seconds $(BENCH_SECONDS) --baseline-seconds 5 \
			> bench/results/.last-line || status=1; \
		tail -n 1 bench/results/.last-line; \
	done; rm -f bench/results/.last-line; exit $$status
