"""Settings selection from the environment, checked in fresh processes so each sees only its own env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({'engine': settings.DATABASES['default']['ENGINE'], "
    "'name': str(settings.DATABASES['default']['NAME']), "
    "'cache': settings.CACHES['default']['BACKEND'], 'broker': settings.CELERY_BROKER_URL, "
    "'eager': settings.CELERY_TASK_ALWAYS_EAGER, 'debug': settings.DEBUG, 'lang': settings.LANGUAGE_CODE, "
    "'tz': settings.TIME_ZONE, 'hosts': settings.ALLOWED_HOSTS}))"
)
ENV_KEYS = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "CELERY_TASK_ALWAYS_EAGER")


def _run(env: dict[str, str], settings_module: str = "kai_portal.settings.local", code: str = PROBE):
    clean = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def _settings(env: dict[str, str], settings_module: str = "kai_portal.settings.local") -> dict:
    result = _run(env, settings_module)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_environment_gives_embedded_default():
    got = _settings({})
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["cache"].endswith("LocMemCache")
    assert got["broker"] == "memory://"
    assert got["eager"] is True
    assert (got["lang"], got["tz"]) == ("ko", "Asia/Seoul")


def test_database_and_redis_urls_select_real_services():
    got = _settings({"DATABASE_URL": "postgres://kai@db:5432/kai", "REDIS_URL": "redis://redis:6379/0"})
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "kai"
    assert got["cache"].endswith("RedisCache")
    assert got["broker"] == "redis://redis:6379/0"
    assert got["eager"] is False


def test_allowed_hosts_and_debug_from_environment():
    got = _settings({"ALLOWED_HOSTS": "portal.example.go.kr,127.0.0.1", "DEBUG": "false"})
    assert got["hosts"] == ["portal.example.go.kr", "127.0.0.1"]
    assert got["debug"] is False


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://root@db/kai"}, "DATABASE_URL has unsupported scheme 'mysql'"),
        ({"DATABASE_URL": "postgres://kai@db:5432"}, "DATABASE_URL names no database"),
        ({"REDIS_URL": "http://redis:6379"}, "REDIS_URL must start with redis:// or rediss://"),
        ({"REDIS_URL": "redis://redis:notaport/0"}, "REDIS_URL has a port that is not a number"),
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        ({"ALLOWED_HOSTS": "a,,b"}, "ALLOWED_HOSTS='a,,b' has an empty entry"),
    ],
)
def test_malformed_environment_stops_startup_naming_the_variable(env, message):
    result = _run(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_requires_secret_key():
    result = _run({"ALLOWED_HOSTS": "portal.example.go.kr"}, "kai_portal.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY is required in this configuration but is not set." in result.stderr


def test_production_refuses_debug():
    result = _run({"SECRET_KEY": "x" * 60, "DEBUG": "true"}, "kai_portal.settings.production")
    assert "DEBUG must be false with kai_portal.settings.production." in result.stderr


def test_check_deploy_is_clean_with_production_environment():
    env = {
        "SECRET_KEY": "k3y-" + "Zq8vT1xR7mW2pL9sB4nC6hJ0gF5dA3eK" * 2,
        "ALLOWED_HOSTS": "portal.example.go.kr",
        "DATABASE_URL": "postgres://kai@db:5432/kai",
        "REDIS_URL": "redis://redis:6379/0",
    }
    clean = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    clean.update(env, DJANGO_SETTINGS_MODULE="kai_portal.settings.production")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
