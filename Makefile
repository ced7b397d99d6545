# Everything runs from the project's own virtualenv, created on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test fuzz bench bench-10x bench-replication migrate seed install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# What serving needs (requirements.txt); the test tools come on top of it
# (requirements-dev.txt) only for make test, fuzz and bench.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python migrate.py

seed: migrate
	$(BIN)/flask --app app seed

# Serve with the settings in lib/gunicorn_conf.py (threaded workers; the app
# built once, before the fork). Building the app checks the database file,
# creates or migrates it and seeds it while it holds no words. flask serve
# becomes gunicorn, or, with LANG_PORTAL_REPLICA set, gunicorn under Litestream.
run: install
	$(BIN)/flask --app app serve --workers $(WORKERS) --bind $(HOST):$(PORT)

test: install-dev
	$(BIN)/python -m pytest -q

fuzz: install-dev
	FUZZ_EXAMPLES=500 $(BIN)/python -m pytest -q tests/test_openapi_fuzz.py

# make bench BENCH_ARGS=--quick for a short run
bench: install-dev
	$(BIN)/python -m bench.run $(BENCH_ARGS)
	$(BIN)/python -m bench.writes
	$(BIN)/python -m bench.reschedule
	$(BIN)/python -m bench.progress_page

# The same table on ten times the large history (20,000 words, 1,000,000
# sessions, 10,000,000 review items over five years; about 1.3 GB, built
# once in bench/out/, in about 20 minutes), against the small database. Not
# run by CI. BENCH_ARGS=--reuse keeps one built by earlier code, migrated.
bench-10x: install-dev
	$(BIN)/python -m bench.run --tenfold $(BENCH_ARGS)

# What replication with Litestream costs a write, what a lost host loses, and
# how long the large database takes to restore (--large PATH, --quick)
bench-replication: install-dev
	$(BIN)/python -m bench.replication $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
