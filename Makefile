# Two commands for a fresh machine: `make run` and `make test` (README).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format screenshots bench db-stop clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py runserver 127.0.0.1:8000

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

# Runs on its own database (see `manage.py help bench_insights`); BENCH_ARGS=--reload reloads.
bench: $(STAMP)
	$(BIN)/python manage.py bench_insights $(BENCH_ARGS)
	$(BIN)/python manage.py bench_ingest

db-stop: $(STAMP)
	$(BIN)/python -m insights.database stop

clean: db-stop
	rm -rf $(VENV) .pgdata
