# Corridor: `make run` serves the demo, `make test` runs every check.
# Needs only Python 3.11 and make; everything else is installed from the hash-locked requirements.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DATA_DIR ?= $(CURDIR)/var
# Install from PyPI by the lock alone: ignore machine-wide pip configuration
# (extra indexes, find-links, constraints) that the lock does not know about.
PIP := env -u PIP_FIND_LINKS -u PIP_CONSTRAINT -u PIP_EXTRA_INDEX_URL PIP_CONFIG_FILE=/dev/null $(BIN)/python -m pip
PYTEST_ARGS ?=
# pytest-xdist workers per suite: one per CPU (`make test WORKERS=0` runs in one process).
WORKERS ?= auto
# The whole suite runs two workers per CPU: its process tests spend most of their time
# waiting (for a server to answer, a lease to lapse, a subprocess to start), and a second
# worker per CPU fills that time with other tests (`make test SUITE_WORKERS=0` for one).
SUITE_WORKERS ?= $(shell echo $$(( $$(nproc) * 2 )))
# The parts of the suite (markers, tests/plugins/classify.py) each target runs.
FAST_TESTS := not process and not browser and not slow

.PHONY: run test test-fast test-postgres lint typecheck contracts templates migrations-check pytest \
	lock messages messages-check bench bench-smoke pathways-lint coverage clean help

help:
	@echo "make run            serve the demo at http://localhost:$(PORT)/ (data in $(DATA_DIR))"
	@echo "make test           every check and the whole test suite (SQLite)"
	@echo "make test-fast      the tests without processes, browser or large examples, in parallel"
	@echo "make test-postgres  the database tests against a throwaway PostgreSQL cluster"
	@echo "make coverage       the suite with branch coverage (not part of make test: it doubles the time)"
	@echo "make lock           re-lock requirements/*.txt from pyproject.toml"
	@echo "make messages       update and compile the translation catalogs"

$(VENV)/.run: requirements/run.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/run.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@

$(VENV)/.dev: requirements/dev.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.run

run: $(VENV)/.run
	@CORRIDOR_ENV=demo CORRIDOR_DATA_DIR=$(DATA_DIR) \
		CORRIDOR_PUBLIC_ORIGIN=http://localhost:$(PORT) \
		PORT=$(PORT) DATA_DIR=$(DATA_DIR) BIN=$(BIN) bash scripts/run-demo.sh

test: $(VENV)/.dev lint typecheck contracts templates migrations-check pytest bench-smoke

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy src

contracts: $(VENV)/.dev
	$(BIN)/lint-imports

templates: $(VENV)/.dev
	$(BIN)/djlint src --lint --quiet

migrations-check: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=corridor.config.settings.test $(BIN)/corridor makemigrations --check --dry-run

# --dist loadfile: a module's tests share one worker, so a module's costly fixtures (a demo
# installation, the erasure drill) are made once, not once per worker.
pytest: $(VENV)/.dev
	$(BIN)/pytest -n $(SUITE_WORKERS) --dist loadfile --durations=15 $(PYTEST_ARGS)

# The suite with branch coverage, reported per file. Not part of `make test`: tracing every
# line doubled the CPU time of each test (29.6 s to 56.5 s for two case-route tests), and
# CI's time with it.
coverage: $(VENV)/.dev
	$(BIN)/pytest -n $(SUITE_WORKERS) --dist loadfile --cov --cov-report=term $(PYTEST_ARGS)

# While working: no process, browser or slow tests and no coverage. `make test` runs them all.
test-fast: $(VENV)/.dev
	$(BIN)/pytest -n $(WORKERS) -m "$(FAST_TESTS)" --durations=10 $(PYTEST_ARGS)

test-postgres: $(VENV)/.dev
	BIN=$(BIN) WORKERS=$(WORKERS) bash scripts/test-postgres.sh $(PYTEST_ARGS)

bench: $(VENV)/.dev
	@for module in bench/bench_*.py; do \
		name=$$(basename $$module .py); echo "== $$name"; \
		$(BIN)/python -m bench.$$name || exit 1; done

# CI proves every benchmark still runs, with tiny sizes; the figures mean nothing there.
bench-smoke: $(VENV)/.dev
	@for module in bench/bench_*.py; do \
		[ -e "$$module" ] || continue; name=$$(basename $$module .py); echo "== $$name (smoke)"; \
		$(BIN)/python -m bench.$$name --smoke || exit 1; done

# The reviewed route catalog: every entry has sources; stale reviews are warned about.
pathways-lint: $(VENV)/.dev
	DJANGO_SETTINGS_MODULE=corridor.config.settings.test $(BIN)/corridor pathways lint

messages: $(VENV)/.dev
	cd src/corridor && DJANGO_SETTINGS_MODULE=corridor.config.settings.test \
		../../$(BIN)/corridor makemessages --locale ru --no-obsolete --no-location --ignore 'tests/*'
	cd src/corridor && DJANGO_SETTINGS_MODULE=corridor.config.settings.test \
		../../$(BIN)/corridor compilemessages --locale ru

# Fails when a translatable string is missing from the catalog or the committed .mo differs
# from what the committed .po compiles to.
messages-check: messages
	git diff --exit-code -I '^"POT-Creation-Date' -- src/corridor/locale

lock:
	$(PYTHON) -m venv .venv-lock
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null .venv-lock/bin/pip install --quiet pip-tools
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null .venv-lock/bin/pip-compile --quiet \
		--generate-hashes --allow-unsafe --strip-extras --all-build-deps \
		--no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple \
		--extra dev -o requirements/dev.txt pyproject.toml
	env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null .venv-lock/bin/pip-compile --quiet \
		--generate-hashes --allow-unsafe --strip-extras --all-build-deps \
		--no-emit-index-url --no-emit-find-links --index-url https://pypi.org/simple \
		-c requirements/dev.txt -o requirements/run.txt pyproject.toml
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build src/*.egg-info .mypy_cache .ruff_cache .coverage
