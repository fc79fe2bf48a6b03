# Pump program family assistant. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := run

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export RASA_TELEMETRY_ENABLED ?= false
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONDONTWRITEBYTECODE ?= 1

# Rasa 3.6 needs Python 3.10; the default python3 may be newer (and pyenv shims
# for other versions fail), so take the first interpreter that really is 3.10.
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10; do \
	$$p -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo $$p; break; }; done)

.PHONY: run shell test test-fast lint lock build train evaluate report retention staff-user bench clean system-deps

$(PY):
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install python3.10 (Rasa 3.6 does not run on newer Pythons)"; exit 1; }
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<25" wheel setuptools

# Every package at the version in requirements.lock (`make lock` refreshes it), then
# this project itself without resolving anything again.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

# Re-resolve pyproject.toml (with the test and dev extras) into requirements.lock.
lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra dev --python-version 3.10 \
		--python-platform x86_64-unknown-linux-gnu --output-file requirements.lock --quiet
	@echo "requirements.lock written: commit it"

# The chat widget's npm packages (web/package-lock.json), for bot/web/server.py.
WEB_STAMP := web/node_modules/.installed
$(WEB_STAMP): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

build: $(STAMP) $(WEB_STAMP)
	$(PY) -m bot build

train: build
	$(PY) -m bot train

run: train
	$(PY) -m bot serve

shell: train
	$(PY) -m bot shell

report: $(STAMP)
	$(PY) -m bot report

# Deletes conversations and audit rows older than RETENTION_DAYS (default 365);
# `make retention RETENTION_ARGS="--days 90 --dry-run"` to pick or only count.
retention: $(STAMP)
	$(PY) -m bot retention $(RETENTION_ARGS)

# A staff account for the review page (http://localhost:8081): `make staff-user NAME=ana`
# asks for the password twice. `python -m bot staff --help` lists the other account commands.
staff-user: $(STAMP)
	@test -n "$(NAME)" || { echo "usage: make staff-user NAME=<user name>"; exit 2; }
	$(PY) -m bot staff add "$(NAME)"

# pytest exit code 5 means no test ran: that must fail, not pass quietly.
PYTEST = $(PY) -m pytest $(PYTEST_ARGS) $(1); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing"; exit 1; fi; exit $$rc

test: train system-deps
	$(call PYTEST,)

# The tests that need no trained model, server, database or browser (under a minute).
test-fast: build
	$(call PYTEST,-m "not stack")

# Lint and format check of everything, type check of bot/.
lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Debian packages for the tests, whichever are missing, in one apt-get: chromium for the
# browser tests (tests/web/; Playwright never downloads one), postgresql and redis-server
# for tests/reliability (they start their own throwaway servers on free loopback ports),
# nginx-light and openssl to check deploy/nginx.conf with the real nginx.
system-deps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || test -x /usr/bin/redis-server || missing="$$missing redis-server"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx-light"; \
	command -v openssl >/dev/null 2>&1 || missing="$$missing openssl"; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$([ "$$(id -u)" -eq 0 ] || echo sudo); \
	  echo "Installing Debian packages:$$missing"; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

evaluate: train
	$(PY) -m tools.eval.nlu

# Speed and memory against the stock `rasa init` bot, on loopback (about 10 minutes): results/bench.md
bench: train
	$(PY) -m tools.bench

clean:
	rm -rf build models/*.tar.gz models/.inputs.sha256 results
