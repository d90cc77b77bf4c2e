# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint services browser bench bench-quick bytecode clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.run-installed: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# the project's own modules compiled once, as pip compiles installed packages: with
# PYTHONDONTWRITEBYTECODE set (containers, this CI), every command would compile them again
# (60 ms of a `db upgrade`). Python checks each file's time stamp, so an edited file is never stale.
bytecode: | $(PY)
	$(PY) -m compileall -q manage.py models.py oramigrate webapp

## make run: install, migrate the embedded SQLite default (or DATABASE_URL), serve on 127.0.0.1
run: $(VENV)/.run-installed bytecode
	$(PY) manage.py db upgrade
	$(PY) manage.py runserver --host $(HOST) --port $(PORT)

## make test: install, start the servers the tests need, ruff, mypy, every test
test: $(VENV)/.dev-installed bytecode services browser lint
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/hadolint Containerfile

services:
	scripts/services.sh

## the headless Chromium of the end-to-end web test (Debian's, installed when missing)
browser:
	scripts/browser.sh

## make bench: every benchmark, side by side with its reference; results in bench/results/
bench: $(VENV)/.dev-installed bytecode services
	$(PY) bench/run.py

bench-quick: $(VENV)/.dev-installed bytecode services
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) instance
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
