# The two set-up commands (see README): `make demo` runs the portal with demo data, `make test` runs the tests.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: demo test install messages worker beat makemessages e2e screenshots

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

messages: install
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; }
	$(PY) manage.py compilemessages --ignore=.venv -v0

# Refresh the catalogs from the sources (then translate every new msgid in locale/ko; tests/ui/test_translations.py checks).
makemessages: install
	$(PY) manage.py makemessages -l ko -l en --ignore=.venv --ignore=tests --no-obsolete

# Real-browser tests only (needs /usr/bin/chromium: apt-get install chromium fonts-noto-cjk).
e2e: messages
	$(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Rewrite docs/screenshots/*.png from the running pages (Korean, English, phone width).
screenshots: messages
	KAI_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e/test_screenshots.py $(PYTEST_ARGS)

demo: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_kai_program --demo-users
	$(PY) manage.py runserver $(HOST)

test: messages
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A kai_portal worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A kai_portal beat --loglevel=INFO
