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
ENV_KEYS = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "CELERY_TASK_ALWAYS_EAGER",
    "SECURE_SSL_REDIRECT",
    "SECURE_COOKIES",
    "LOG_LEVEL",
)


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
    assert got["broker"] == "memory://localhost/"
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


# --- Every variable the settings read is documented in .env.example, and nothing else is -------------------

ENV_READERS = {"env_str", "env_bool", "env_int", "env_list", "env_required"}
ENV_READERS_OF_URLS = {"database_from_env", "redis_url_from_env", "email_from_env"}


def _variables_read_by_the_settings() -> set[str]:
    """Names passed to the kai_portal.env readers in the settings modules, plus os.environ reads in the
    project package (DJANGO_SETTINGS_MODULE): the same readers everywhere, so a new variable cannot hide."""
    import ast

    names: set[str] = set()
    for path in [*(ROOT / "kai_portal" / "settings").glob("*.py"), *(ROOT / "kai_portal").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            func = node.func
            called = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            is_environ = isinstance(func, ast.Attribute) and ast.unparse(func.value) == "os.environ"
            if called in ENV_READERS | ENV_READERS_OF_URLS or is_environ:
                names.add(node.args[0].value)
    return names


def _variables_in_env_example() -> set[str]:
    import re

    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^# ([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_env_example_lists_exactly_the_variables_the_settings_read():
    read, documented = _variables_read_by_the_settings(), _variables_in_env_example()
    assert {"AXES_ENABLED", "CACHE_KEY_PREFIX", "SECURE_COOKIES", "DJANGO_SETTINGS_MODULE"} <= read
    assert read - documented == set(), "read by the settings but missing from .env.example"
    assert documented - read == set(), "in .env.example but read by no setting"


# --- Production over http: the health check, and the local-only cookie override -----------------------------

HTTP_PROBE = (
    "import json, django; django.setup(); from django.conf import settings; from django.test import Client; "
    "client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0]); health = client.get('/healthz'); "
    "login = client.get('/login/'); "
    "print(json.dumps({'healthz': [health.status_code, health.get('Location')], "
    "'login': [login.status_code, login.get('Location')]}))"
)
COOKIE_PROBE = (
    "import json, django; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]))"
)
PRODUCTION = {"SECRET_KEY": "k3y-" + "Zq8vT1xR7mW2pL9sB4nC6hJ0gF5dA3eK" * 2}


def _production_probe(env: dict[str, str], code: str):
    result = _run({**PRODUCTION, **env}, "kai_portal.settings.production", code)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_ssl_redirect_sends_pages_to_https_but_answers_the_health_check_over_http(tmp_path):
    env = {
        "ALLOWED_HOSTS": "portal.example.go.kr",
        "SECURE_SSL_REDIRECT": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
    }
    got = _production_probe(env, HTTP_PROBE)
    assert got["login"] == [301, "https://portal.example.go.kr/login/"]
    assert got["healthz"] == [200, None]


def test_production_cookies_are_secure_unless_the_local_override_says_otherwise():
    assert _production_probe({"ALLOWED_HOSTS": "portal.example.go.kr"}, COOKIE_PROBE) == [True, True]
    local = {"ALLOWED_HOSTS": "127.0.0.1,localhost,[::1]", "SECURE_COOKIES": "false"}
    assert _production_probe(local, COOKIE_PROBE) == [False, False]


def test_production_refuses_insecure_cookies_for_a_host_beyond_this_machine():
    result = _run(
        {**PRODUCTION, "ALLOWED_HOSTS": "127.0.0.1,portal.example.go.kr", "SECURE_COOKIES": "false"},
        "kai_portal.settings.production",
    )
    assert result.returncode != 0
    assert "SECURE_COOKIES=false is only for trying the portal over http on this machine" in result.stderr
    assert "not portal.example.go.kr." in result.stderr


# --- What a newcomer sees on the console -------------------------------------------------------------------


def test_django_log_lines_print_once_and_runserver_keeps_its_format():
    code = (
        "import logging, django; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /no-such-page/'); "
        "logging.getLogger('django.utils.autoreload').info('Watching for file changes'); "
        "logging.getLogger('django.db.backends').debug('hidden at INFO'); "
        "logging.getLogger('django.server').info('\"GET / HTTP/1.1\" 200 5')"
    )
    result = _run({"DEBUG": "true"}, "kai_portal.settings.local", code)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines.count("Not Found: /no-such-page/") == 1
    assert lines.count("Watching for file changes") == 1
    assert "hidden at INFO" not in result.stderr
    # runserver's request lines keep Django's "[time] request" format, once.
    assert [line for line in lines if "GET /" in line] == [lines[-1]] and lines[-1].startswith("[")


def test_eager_tasks_without_redis_log_no_kombu_hostname_warning():
    code = (
        "import django; django.setup(); from kai_portal.celery import app\n"
        "@app.task(name='probe.add')\n"
        "def add(x, y):\n"
        "    return x + y\n"
        "print(add.delay(2, 3).get())"
    )
    result = _run({}, "kai_portal.settings.local", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "5"
    assert "No hostname was supplied" not in result.stderr
