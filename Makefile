# Two commands for a fresh machine: `make run` and `make test` (README).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test lint format screenshots bench db-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# Development: DEBUG on, which lets the app run without a SECRET_KEY (settings.py).
run: export DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Production serving (docs/deploy.md): needs SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
serve: export STATIC_MANIFEST ?= 1
serve: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input
	$(BIN)/gunicorn --config insights/gunicorn.conf.py insights.wsgi

# makemigrations needs settings, hence a key; pytest sets its own (pyproject.toml).
test: export SECRET_KEY ?= tests-only-secret-key-never-used-to-sign-anything-outside-the-suite
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The README's pictures (docs/*.png), taken by the browser tests; `make test` leaves them be.
screenshots: $(STAMP)
	SCREENSHOTS_DIR=docs $(BIN)/pytest tests/browser

# Runs on its own database (see `manage.py help bench_insights`); BENCH_ARGS=--reload reloads,
# BENCH_ARGS=--only=feedback,impact re-runs those sections on the stored dataset.
bench: export SECRET_KEY ?= benchmark-only-secret-key-its-databases-hold-made-up-data-only
bench: $(STAMP)
	$(BIN)/python manage.py bench_insights $(BENCH_ARGS)
	$(BIN)/python manage.py bench_ingest

db-stop: $(STAMP)
	$(BIN)/python -m insights.database stop

clean: db-stop
	rm -rf $(VENV) .pgdata
