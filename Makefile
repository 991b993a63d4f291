# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export FLASK_APP := wsgi

# Every dependency pinned (make lock): installs use it as constraints, so CI and a fresh machine get these versions.
LOCK := requirements/lock.txt

.PHONY: run test setup setup-test translations translations-update clean lock audit

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

## Before the tests in CI: bandit over civicvoice/ (offline), then pip-audit of the locked dependencies against
## PyPI's advisories. Any finding fails, unless accepted with a reason: `# nosec BXXX # reason` on the line for
## bandit, security/pip-audit-allow.txt for pip-audit. --strict: a dependency that could not be checked (the
## service unreachable, a package unknown to it) fails too, never passes unchecked.
AUDIT_IGNORES = $(shell sed -e 's/\#.*//' security/pip-audit-allow.txt | awk 'NF { printf "--ignore-vuln %s ", $$1 }')
audit: $(BIN)/activate
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[audit]'
	$(BIN)/bandit --recursive civicvoice --quiet
	$(BIN)/pip-audit --requirement $(LOCK) --no-deps --strict --progress-spinner off $(AUDIT_IGNORES)

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

## The whole suite on SQLite; again on PostgreSQL when CIVICVOICE_TEST_DATABASE_URL is set.
## On every core (pytest-xdist); tests that share Redis or open dozens of connections keep to one worker each.
PYTEST := $(PY) -m pytest -n auto --dist loadgroup
test: setup-test
	$(PYTEST)
	if [ -n "$$CIVICVOICE_TEST_DATABASE_URL" ]; then CIVICVOICE_TEST_BACKEND=postgresql $(PYTEST); fi

clean:
	rm -rf $(VENV) instance/outbox
