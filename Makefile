# The two set-up commands (see README): `make demo` runs the portal with demo data, `make test` runs the tests.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
# pip-tools runs from a venv of its own, so its dependencies never mix with the locked ones.
LOCK_VENV ?= .venv-lock
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

.PHONY: demo test install lint lock messages worker beat makemessages e2e screenshots

# The venv gets exactly the locked tree (runtime + test), then the project itself without resolving again.
$(VENV)/.installed: pyproject.toml requirements.lock requirements-test.lock
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) .ci/check_lock.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

install: $(VENV)/.installed

# Re-resolve the lock files from pyproject.toml: keeps existing pins that still fit;
# `make lock LOCK_ARGS=--upgrade` moves every transitive dependency to its newest release.
$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet pip-tools==7.6.2

lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra test -c requirements.lock -o requirements-test.lock pyproject.toml

# What CI holds at zero findings: lint rules, formatting, the layer contract and mypy (pyproject.toml):
# strict on the pure computations, checked on every app's services and selectors.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

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
