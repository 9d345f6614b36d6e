"""Tests: speed and determinism only; the database and Redis still come from the environment."""

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests that need a real worker start one themselves (tests/conftest.py); everything else runs eager.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Each test run gets its own cache namespace so runs never read each other's keys on a shared Redis.
CACHES["default"]["KEY_PREFIX"] = f"kai-test-{__import__('os').getpid()}"  # noqa: F405
AXES_ENABLED = False
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Static files are served from the finders in tests (no collectstatic run), as in local development.
WHITENOISE_AUTOREFRESH = True
