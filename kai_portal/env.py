"""Read and check the environment once, at start-up.

Every reader raises ``ImproperlyConfigured`` with one message that names the variable and says what is
wrong, so a mistyped value stops the process before it serves a single request.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip()


def env_required(name: str) -> str:
    value = env_str(name)
    if not value:
        raise ImproperlyConfigured(f"{name} is required in this configuration but is not set.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r} has an empty entry; separate values with single commas.")
    return items


def database_from_env(name: str, default_sqlite_path: str) -> dict:
    """``DATABASE_URL`` as a Django DATABASES entry; SQLite file when unset (the embedded default)."""
    raw = env_str(name)
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": default_sqlite_path}
    scheme = urlparse(raw).scheme
    if scheme not in {"postgres", "postgresql", "sqlite"}:
        raise ImproperlyConfigured(
            f"{name} has unsupported scheme {scheme!r}; use postgres://user@host:port/dbname or sqlite:///path."
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is malformed: {exc}") from None
    if scheme != "sqlite" and not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database; add /dbname at the end.")
    return config


def redis_url_from_env(name: str) -> str | None:
    raw = env_str(name)
    if not raw:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in {"redis", "rediss"}:
        raise ImproperlyConfigured(f"{name} must start with redis:// or rediss://, got {parsed.scheme!r}.")
    if not parsed.hostname:
        raise ImproperlyConfigured(f"{name} names no host; use redis://host:6379/0.")
    try:
        parsed.port  # noqa: B018 -- raises ValueError on a non-numeric port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number.") from None
    return raw


_SMTP = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_BACKENDS = {
    "smtp": _SMTP,
    "smtps": _SMTP,
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
EMAIL_OPTIONS = {"smtp": {"tls", "ssl", "timeout"}, "smtps": {"timeout"}}
# A mail server that hangs must not pin a web worker (or a Celery worker) for long.
EMAIL_DEFAULT_TIMEOUT = 10


def email_from_env(name: str, default: str = "console://") -> dict:
    """``EMAIL_URL`` as Django's EMAIL_* settings; unset, ``console://`` (the embedded default: mail printed).

    * ``smtp://user:password@host:port/?tls=true`` -- SMTP, with STARTTLS if ``tls=true`` (port 587 by
      default then, 25 otherwise) or TLS from the first byte with ``ssl=true``; ``timeout=`` seconds
      (default 10). User and password are URL-encoded (``%40`` for ``@``).
    * ``smtps://user:password@host:465`` -- the same as ``smtp://…?ssl=true``.
    * ``file:///absolute/directory`` -- one file per message in that directory.
    * ``console://`` -- printed on standard output; ``memory://`` -- kept in ``django.core.mail.outbox``.
    """
    raw = env_str(name) or default
    parsed = urlparse(raw)
    scheme = parsed.scheme.lower()
    if scheme not in EMAIL_BACKENDS:
        raise ImproperlyConfigured(
            f"{name} has unsupported scheme {scheme!r}; use one of "
            "smtp://user:password@host:587/?tls=true, smtps://host:465, file:///directory, console:// or memory://."
        )
    try:
        query = parse_qs(parsed.query, keep_blank_values=True, strict_parsing=bool(parsed.query))
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a malformed query string {parsed.query!r}.") from None
    allowed = EMAIL_OPTIONS.get(scheme, set())
    unknown = sorted(set(query) - allowed)
    if unknown:
        raise ImproperlyConfigured(
            f"{name} has unknown option(s) {', '.join(unknown)} for {scheme}://"
            + (f"; allowed: {', '.join(sorted(allowed))}." if allowed else " (it takes none).")
        )
    config: dict = {
        "EMAIL_BACKEND": EMAIL_BACKENDS[scheme],
        "EMAIL_HOST": "localhost",
        "EMAIL_PORT": 25,
        "EMAIL_HOST_USER": "",
        "EMAIL_HOST_PASSWORD": "",
        "EMAIL_USE_TLS": False,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": None,
        "EMAIL_FILE_PATH": None,
    }
    if scheme == "file":
        if parsed.netloc or not parsed.path.startswith("/"):
            raise ImproperlyConfigured(
                f"{name} must name an absolute directory: file:///var/lib/kai-portal/mail."
            )
        config["EMAIL_FILE_PATH"] = unquote(parsed.path)
    if scheme not in EMAIL_OPTIONS:
        return config
    if not parsed.hostname:
        raise ImproperlyConfigured(f"{name} names no host; use {scheme}://user:password@host:port.")
    options = {key: values[-1] for key, values in query.items()}
    use_ssl = scheme == "smtps" or _email_flag(name, options, "ssl")
    use_tls = _email_flag(name, options, "tls")
    if use_ssl and use_tls:
        raise ImproperlyConfigured(f"{name} asks for both tls and ssl; choose one (tls=true for port 587).")
    try:
        port = parsed.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number between 0 and 65535.") from None
    timeout_text = options.get("timeout", str(EMAIL_DEFAULT_TIMEOUT))
    if not timeout_text.isdigit() or int(timeout_text) == 0:
        raise ImproperlyConfigured(f"{name} has timeout={timeout_text!r}; give a whole number of seconds.")
    config.update(
        EMAIL_HOST=parsed.hostname,
        EMAIL_PORT=port or (465 if use_ssl else 587 if use_tls else 25),
        EMAIL_HOST_USER=unquote(parsed.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parsed.password or ""),
        EMAIL_USE_TLS=use_tls,
        EMAIL_USE_SSL=use_ssl,
        EMAIL_TIMEOUT=int(timeout_text),
    )
    return config


def _email_flag(name: str, options: dict[str, str], key: str) -> bool:
    value = options.get(key, "false").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} has {key}={value!r}, which is not a boolean; use true or false.")
