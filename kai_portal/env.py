"""Read and check the environment once, at start-up.

Every reader raises ``ImproperlyConfigured`` with one message that names the variable and says what is
wrong, so a mistyped value stops the process before it serves a single request.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

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
