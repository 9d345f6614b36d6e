"""Production: only hardening toggles on top of base; no new features here."""

from django.core.exceptions import ImproperlyConfigured

from kai_portal.env import env_bool, env_int, env_required

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be false with kai_portal.settings.production.")
SECRET_KEY = env_required("SECRET_KEY")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure-"):
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")
ALLOWED_HOSTS = [host for host in ALLOWED_HOSTS if host != "testserver"]  # noqa: F405

SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# The container health check asks over plain http from inside; a redirect to https would fail it.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
# Session and CSRF cookies go over https only. SECURE_COOKIES=false lets the stack be tried over plain http
# on this machine (README, docker compose), so it is refused unless every allowed host is a loopback name.
SECURE_COOKIES = env_bool("SECURE_COOKIES", True)
LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]"}
_REMOTE_HOSTS = sorted(set(ALLOWED_HOSTS) - LOOPBACK_HOSTS)  # noqa: F405
if not SECURE_COOKIES and _REMOTE_HOSTS:
    raise ImproperlyConfigured(
        "SECURE_COOKIES=false is only for trying the portal over http on this machine; ALLOWED_HOSTS may "
        f"then name only {', '.join(sorted(LOOPBACK_HOSTS))}, not {', '.join(_REMOTE_HOSTS)}."
    )
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}  # noqa: F405
