# Anjian — `make demo` runs the platform with a demo street; `make test` runs every check CI runs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/anjian

.PHONY: setup demo test lint typecheck pytest pytest-sqlite pytest-postgres frontend bench clean

setup: $(VENV)/.synced anjian/static/vendor/.built

$(BIN)/uv:
	$(PYTHON) -c 'import sys; sys.exit("Anjian needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check uv==0.8.22

$(VENV)/.synced: pyproject.toml uv.lock | $(BIN)/uv
	$(BIN)/uv sync --frozen --inexact --python $(BIN)/python
	touch $@

frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

anjian/static/vendor/.built: frontend/node_modules/.package-lock.json frontend/build.mjs
	node frontend/build.mjs
	touch $@

frontend: anjian/static/vendor/.built

demo: setup
	$(BIN)/anjian migrate --noinput
	$(BIN)/anjian demo-data --if-empty
	$(BIN)/python -m anjian.demo

lint: setup
	$(BIN)/ruff check anjian bench
	$(BIN)/ruff format --check anjian bench

typecheck: setup
	$(BIN)/mypy anjian

test: setup lint typecheck
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(MAKE) pytest-sqlite
	@if [ "$$CI" = "true" ] || pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then \
		$(MAKE) pytest-postgres; \
	else echo "PostgreSQL not reachable: PostgreSQL run skipped (CI=true makes it mandatory)"; fi

pytest-sqlite: setup
	DATABASE_URL= $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

pytest-postgres: setup
	DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -n 2 -q $(PYTEST_ARGS)

bench: setup
	$(BIN)/anjian bench list

clean:
	rm -rf $(VENV) frontend/node_modules anjian/static/vendor var
