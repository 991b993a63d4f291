# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export FLASK_APP := wsgi

.PHONY: run test setup setup-test translations translations-update clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(BIN)/activate
	$(PY) -m pip install --quiet -e .
	$(MAKE) translations

setup-test: $(BIN)/activate
	$(PY) -m pip install --quiet -e '.[test]'
	$(MAKE) translations

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
