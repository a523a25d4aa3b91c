# Crosscase: `make run` serves the demo, `make test` runs every check. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint format migrate demo clean bench load smoke

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py clean_storage
	$(BIN)/python manage.py seed_demo

# The task worker (the export of a whole project) runs beside the server; Ctrl-C stops both.
run: demo
	@echo "Serving on http://127.0.0.1:8000 with a task worker (Ctrl-C stops both)"
	$(BIN)/python manage.py db_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py runserver 127.0.0.1:8000

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n auto --dist loadfile

# Benchmarks and load test on the configured database (DATABASE_URL for PostgreSQL). Both stop by themselves.
bench: migrate
	$(BIN)/python manage.py bench --scale 1 --scale 10

load: migrate
	$(BIN)/python manage.py loadtest --clients 16 --duration 60

# A few seconds of each, so they cannot rot; CI runs it. Asserts completion and that nothing was lost.
smoke: migrate
	$(BIN)/python manage.py bench --small --scale 1 --repeat 3 --json bench-results/smoke.json
	$(BIN)/python manage.py loadtest --small --clients 4 --duration 5 --workers 2

clean:
	rm -rf $(VENV) staticfiles
