# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export FLASK_APP := wsgi

# Every dependency pinned (make lock): installs use it as constraints, so CI and a fresh machine get these versions.
LOCK := requirements/lock.txt

.PHONY: run test test-fast setup setup-test translations translations-update clean lock setup-audit audit audit-code audit-deps

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(BIN)/activate
	$(PY) -m pip install --quiet -c $(LOCK) -e .
	$(MAKE) translations

setup-test: $(BIN)/activate
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[test]'
	$(MAKE) translations

## Pin anew what pyproject.toml's ranges resolve to today, in a clean venv (the app, its tests, its audit).
lock:
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip
	.lock-venv/bin/python -m pip install --quiet -e '.[test,audit]'
	{ sed -n '/^#/p' $(LOCK); .lock-venv/bin/python -m pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf .lock-venv

## Before the tests in CI (`make audit`): bandit over civicvoice/ (offline), then pip-audit of the locked dependencies
## against PyPI's advisories (security/audit_dependencies.py). A finding fails, unless accepted with a reason:
## `# nosec BXXX # why` on its line for bandit, security/pip-audit-allow.txt for pip-audit. Where PyPI's vulnerability
## data is out of reach (every package unchecked) the audit says so loudly and does not fail; some unchecked does.
setup-audit: $(BIN)/activate
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[audit]'

audit-code: setup-audit
	$(BIN)/bandit --recursive civicvoice --quiet

audit-deps: setup-audit
	$(PY) security/audit_dependencies.py

audit: audit-code audit-deps

## Compile the Arabic catalogue (never committed: built from messages.po every setup).
translations:
	$(BIN)/pybabel compile -d civicvoice/translations

## Re-extract strings after changing code or templates, then translate the new entries in messages.po.
translations-update:
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 -o civicvoice/translations/messages.pot civicvoice
	$(BIN)/pybabel update -N -i civicvoice/translations/messages.pot -d civicvoice/translations -l ar
	rm civicvoice/translations/messages.pot

run: setup
	mkdir -p instance
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	$(BIN)/flask run --host 127.0.0.1 --port 5000

## The whole suite on SQLite; again on PostgreSQL when CIVICVOICE_TEST_DATABASE_URL is set (there, the XSS payload
## corpus and the browser journeys are left out: what a page shows does not depend on the database; see tests/conftest.py).
## On every core (pytest-xdist); tests that share Redis or open dozens of connections keep to one worker each.
PYTEST := $(PY) -m pytest -n auto --dist loadgroup
test: setup-test
	$(PYTEST)
	if [ -n "$$CIVICVOICE_TEST_DATABASE_URL" ]; then CIVICVOICE_TEST_BACKEND=postgresql $(PYTEST); fi

## The edit-test loop: everything but the browser, the security sweeps, PDF rendering and PostgreSQL concurrency.
test-fast: setup-test
	$(PYTEST) -m "not slow"

clean:
	rm -rf $(VENV) instance/outbox
