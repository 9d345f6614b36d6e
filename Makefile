# The two set-up commands (see README): `make demo` runs the portal with demo data, `make test` runs the tests.
# PYTHON: the interpreter the venv is built with (3.11, 3.12 or 3.13; a name on PATH or a path).
# HOST: where `make demo` serves. VENV: the venv's directory (e.g. VENV=.venv312 PYTHON=python3.12).
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
# pip-tools runs from a venv of its own, so its dependencies never mix with the locked ones. The lock is
# compiled under the oldest supported Python and checked under the others (`make lock`, README).
LOCK_PYTHON ?= python3.11
LOCK_VENV ?= .venv-lock
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --strip-extras --generate-hashes --allow-unsafe \
	--no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)
SUPPORTED_PYTHONS := 3.11 3.12 3.13

# "3.12" for the interpreter PYTHON names; empty if it does not run (a pyenv shim without that version does not).
PYTHON_VERSION := $(shell $(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)
# The stamps carry the Python version, so a venv built with another Python is never taken as installed.
RUNTIME_STAMP := $(VENV)/.installed-runtime-$(PYTHON_VERSION)
TEST_STAMP := $(VENV)/.installed-test-$(PYTHON_VERSION)

.PHONY: demo test install install-test lint lock lock-check messages worker beat makemessages e2e screenshots

# A venv of the right Python: PYTHON must run and be a supported version; a venv left by another Python
# (an earlier try with the wrong one) is rebuilt, saying so, instead of failing the same way again.
define venv_ready
@test -n "$(PYTHON_VERSION)" || { echo "$(PYTHON) does not run here; set PYTHON to a Python 3.11, 3.12 or 3.13 (a name on PATH or a path; .ci/find_python 3.12 looks for one)"; exit 1; }
@case " $(SUPPORTED_PYTHONS) " in *" $(PYTHON_VERSION) "*) ;; *) echo "$(PYTHON) is Python $(PYTHON_VERSION); the portal supports $(SUPPORTED_PYTHONS)"; exit 1;; esac
@if [ -e $(VENV) ]; then \
  have=$$($(PY) -c 'import sys; print("Python %d.%d" % sys.version_info[:2])' 2>/dev/null || echo "a Python that no longer runs"); \
  if [ "$$have" != "Python $(PYTHON_VERSION)" ]; then \
    echo "$(VENV) was built with $$have, but PYTHON=$(PYTHON) is Python $(PYTHON_VERSION): rebuilding $(VENV)"; \
    rm -rf $(VENV); \
  fi; \
fi
$(PYTHON) .ci/check_lock.py
test -x $(PY) || $(PYTHON) -m venv $(VENV)
endef

# `make demo` needs only the runtime tree; the tests and linters add theirs on top (same pins, -c in `make lock`).
# Each installs exactly its locked tree, then the project itself without resolving again.
$(RUNTIME_STAMP): pyproject.toml requirements.lock
	$(venv_ready)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): $(RUNTIME_STAMP) requirements-test.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-test.lock
	touch $@

install: $(RUNTIME_STAMP)

install-test: $(TEST_STAMP)

# Re-resolve the lock files from pyproject.toml: keeps existing pins that still fit;
# `make lock LOCK_ARGS=--upgrade` moves every transitive dependency to its newest release.
$(LOCK_VENV)/bin/pip-compile:
	$(LOCK_PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet pip-tools==7.6.2

lock: $(LOCK_VENV)/bin/pip-compile
	$(PIP_COMPILE) -o requirements.lock pyproject.toml
	$(PIP_COMPILE) --extra test -c requirements.lock -o requirements-test.lock pyproject.toml
	$(MAKE) lock-check

# One lock for every supported Python: pip-tools resolves for the Python it runs under, so check that each
# other supported interpreter present resolves the same pins (hashes included) with nothing missing.
lock-check:
	@for version in $(SUPPORTED_PYTHONS); do \
	  python=$$(.ci/find_python $$version) || { echo "lock-check: Python $$version skipped"; continue; }; \
	  echo "lock-check: Python $$version ($$python)"; \
	  for lock in requirements.lock requirements-test.lock; do \
	    $$python -m pip install --quiet --dry-run --ignore-installed --require-hashes -r $$lock || exit 1; \
	  done; \
	done

# What CI holds at zero findings: lint rules, formatting, the layer contract and mypy (pyproject.toml):
# strict on the pure computations, checked on every app's services and selectors.
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

messages: install
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install gettext (apt-get install gettext)"; exit 1; }
	$(PY) manage.py compilemessages --ignore='.venv*' -v0

# Refresh the catalogs from the sources (then translate every new msgid in locale/ko; tests/ui/test_translations.py checks).
makemessages: install
	$(PY) manage.py makemessages -l ko -l en --ignore='.venv*' --ignore=tests --no-obsolete

# Real-browser tests only (needs /usr/bin/chromium: apt-get install chromium fonts-noto-cjk).
e2e: messages install-test
	$(VENV)/bin/pytest -m e2e tests/e2e $(PYTEST_ARGS)

# Rewrite docs/screenshots/*.png from the running pages (Korean, English, phone width).
screenshots: messages install-test
	KAI_SCREENSHOTS=1 $(VENV)/bin/pytest tests/e2e/test_screenshots.py $(PYTEST_ARGS)

demo: messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_kai_program --demo-users
	$(PY) manage.py runserver $(HOST)

test: messages install-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

worker: install
	$(VENV)/bin/celery -A kai_portal worker --loglevel=INFO

beat: install
	$(VENV)/bin/celery -A kai_portal beat --loglevel=INFO
