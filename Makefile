# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test install

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# Migrate, load the demo data and serve on the embedded defaults (DEBUG on unless set).
run: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py bootstrap_demo
	# The email worker runs beside the web process and stops with it.
	DEBUG=$${DEBUG:-true} $(PY) manage.py db_worker --interval 1 --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=$${DEBUG:-true} $(VENV)/bin/daphne -b $${HOST:-127.0.0.1} -p $${PORT:-3000} convoai.asgi:application

# The whole test suite: SQLite, or the database DATABASE_URL names (tests/settings.py: the
# production settings with a test SECRET_KEY, over plain HTTP).
test: install
	DJANGO_SETTINGS_MODULE=tests.settings $(PY) -m pytest $(PYTEST_ARGS)
