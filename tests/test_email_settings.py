"""EMAIL_URL -> Django's EMAIL_* settings: every scheme, the defaults, and refusals that name the variable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kai_portal.env import email_from_env

ROOT = Path(__file__).resolve().parent.parent
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _parse(monkeypatch, value: str | None) -> dict:
    if value is None:
        monkeypatch.delenv("EMAIL_URL", raising=False)
    else:
        monkeypatch.setenv("EMAIL_URL", value)
    return email_from_env("EMAIL_URL")


def test_email_url_unset_prints_mail_on_the_console(monkeypatch):
    config = _parse(monkeypatch, None)
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert _parse(monkeypatch, "") == config


def test_email_url_smtp_with_starttls_user_and_encoded_password(monkeypatch):
    config = _parse(
        monkeypatch, "smtp://kai%40ministry.go.kr:p%40ss%3Aw%2Frd@mail.example.go.kr:587/?tls=True"
    )
    assert config == {
        "EMAIL_BACKEND": SMTP,
        "EMAIL_HOST": "mail.example.go.kr",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "kai@ministry.go.kr",
        "EMAIL_HOST_PASSWORD": "p@ss:w/rd",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
        "EMAIL_FILE_PATH": None,
    }


@pytest.mark.parametrize(
    ("url", "port", "tls", "ssl"),
    [
        ("smtp://mail.example.go.kr", 25, False, False),
        ("smtp://mail.example.go.kr/?tls=true", 587, True, False),
        ("smtp://mail.example.go.kr/?ssl=yes", 465, False, True),
        ("smtps://mail.example.go.kr", 465, False, True),
        ("smtps://mail.example.go.kr:2465", 2465, False, True),
        ("smtp://127.0.0.1:2525/?tls=false&timeout=3", 2525, False, False),
    ],
)
def test_email_url_smtp_ports_and_security_defaults(monkeypatch, url, port, tls, ssl):
    config = _parse(monkeypatch, url)
    got = (config["EMAIL_BACKEND"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"])
    assert got == (SMTP, port, tls, ssl)


def test_email_url_timeout_option(monkeypatch):
    assert _parse(monkeypatch, "smtp://127.0.0.1:2525/?timeout=3")["EMAIL_TIMEOUT"] == 3


def test_email_url_file_writes_into_the_absolute_directory(monkeypatch):
    config = _parse(monkeypatch, "file:///var/lib/kai-portal/mail")
    assert config["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert config["EMAIL_FILE_PATH"] == "/var/lib/kai-portal/mail"


def test_email_url_memory_keeps_mail_in_the_outbox(monkeypatch):
    backend = _parse(monkeypatch, "memory://")["EMAIL_BACKEND"]
    assert backend == "django.core.mail.backends.locmem.EmailBackend"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sendmail://localhost", "EMAIL_URL has unsupported scheme 'sendmail'"),
        ("smtp://", "EMAIL_URL names no host"),
        ("smtp://mail:notaport", "EMAIL_URL has a port that is not a number"),
        ("smtp://mail/?tls=maybe", "EMAIL_URL has tls='maybe', which is not a boolean"),
        ("smtp://mail/?tls=true&ssl=true", "EMAIL_URL asks for both tls and ssl"),
        ("smtp://mail/?timeout=soon", "EMAIL_URL has timeout='soon'"),
        ("smtp://mail/?timeout=0", "EMAIL_URL has timeout='0'"),
        ("smtp://mail/?tsl=1", "EMAIL_URL has unknown option(s) tsl for smtp://; allowed: ssl, timeout, tls"),
        ("smtps://mail/?tls=true", "EMAIL_URL has unknown option(s) tls for smtps://"),
        ("console://?tls=true", "EMAIL_URL has unknown option(s) tls for console:// (it takes none)."),
        ("file://relative/dir", "EMAIL_URL must name an absolute directory"),
        ("file://", "EMAIL_URL must name an absolute directory"),
    ],
)
def test_malformed_email_url_is_refused_naming_the_variable(monkeypatch, url, message):
    with pytest.raises(ImproperlyConfigured) as raised:
        _parse(monkeypatch, url)
    assert message in str(raised.value)


def _settings_probe(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("EMAIL_URL", "DEFAULT_FROM_EMAIL")}
    clean.update(env, DJANGO_SETTINGS_MODULE="kai_portal.settings.local")
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'backend': settings.EMAIL_BACKEND, 'host': settings.EMAIL_HOST, "
        "'port': settings.EMAIL_PORT, 'tls': settings.EMAIL_USE_TLS, 'from': settings.DEFAULT_FROM_EMAIL}))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_settings_default_to_console_mail_and_take_email_url():
    default = _settings_probe({})
    assert default.returncode == 0, default.stderr
    assert json.loads(default.stdout.splitlines()[-1])["backend"].endswith("console.EmailBackend")
    configured = _settings_probe(
        {"EMAIL_URL": "smtp://mail.example.go.kr/?tls=true", "DEFAULT_FROM_EMAIL": "kai@example.go.kr"}
    )
    assert configured.returncode == 0, configured.stderr
    assert json.loads(configured.stdout.splitlines()[-1]) == {
        "backend": SMTP,
        "host": "mail.example.go.kr",
        "port": 587,
        "tls": True,
        "from": "kai@example.go.kr",
    }


def test_settings_refuse_to_start_with_a_bad_email_url():
    result = _settings_probe({"EMAIL_URL": "smtp://mail/?tls=maybe"})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_URL has tls='maybe'" in result.stderr
