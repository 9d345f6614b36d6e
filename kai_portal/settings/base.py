"""All settings, switched by the environment (see .env.example for every variable).

With no DATABASE_URL / REDIS_URL the portal runs on its embedded default: a SQLite file and Celery in
eager mode, so a newcomer needs nothing else installed. With them set it uses PostgreSQL and Redis
(Celery broker, result backend and the Django cache).
"""

from __future__ import annotations

from pathlib import Path

from django.utils.log import DEFAULT_LOGGING
from django.utils.translation import gettext_lazy as _

from kai_portal.env import (
    database_from_env,
    email_from_env,
    env_bool,
    env_int,
    env_list,
    env_str,
    redis_url_from_env,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DEBUG = env_bool("DEBUG", False)
# A development-only key is used when none is given; production.py refuses to start without one.
SECRET_KEY = (
    env_str("SECRET_KEY") or "dev-only-insecure-key-for-local-demo-never-use-in-production-0123456789"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "common",
    "consortia",
    "evaluations",
    "budget",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Around everything that asks who the user is: roles and affiliation are read once per request.
    "common.middleware.UserCacheMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale (its 400 is translated), before any view reads the query string.
    "common.middleware.RejectNullCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "common.middleware.AuditContextMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kai_portal.urls"
WSGI_APPLICATION = "kai_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "common.context_processors.roles",
            ],
        },
    },
]

DATABASES = {"default": database_from_env("DATABASE_URL", str(BASE_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # First, so a locked-out username never reaches the password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Korean first: ministry staff are Korean speakers; English is one click away.
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads: bodies above this are refused before parsing; result files have their own limit.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
KAI_UPLOAD_MAX_BYTES = env_int("KAI_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)

# --- Mail: invitations and password resets -----------------------------------------------------------
# EMAIL_URL (kai_portal.env.email_from_env): smtp://user:password@host:587/?tls=true, smtps://…, file:///dir,
# console:// or memory://. Unset, mail is printed on the console, so the demo needs no mail server.
_EMAIL = email_from_env("EMAIL_URL")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL["EMAIL_HOST"]
EMAIL_PORT = _EMAIL["EMAIL_PORT"]
EMAIL_HOST_USER = _EMAIL["EMAIL_HOST_USER"]
EMAIL_HOST_PASSWORD = _EMAIL["EMAIL_HOST_PASSWORD"]
EMAIL_USE_TLS = _EMAIL["EMAIL_USE_TLS"]
EMAIL_USE_SSL = _EMAIL["EMAIL_USE_SSL"]
EMAIL_TIMEOUT = _EMAIL["EMAIL_TIMEOUT"]
EMAIL_FILE_PATH = _EMAIL["EMAIL_FILE_PATH"]
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "K-AI Portal <no-reply@kai-portal.localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_SUBJECT_PREFIX = "[K-AI Portal] "
# A password-set link (invitation or reset) works once, for this many seconds (Django's default: 3 days).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3 * 24 * 3600)

# --- Redis: cache, Celery broker and result backend -------------------------------------------------
REDIS_URL = redis_url_from_env("REDIS_URL")
# A hung Redis must not pin a web worker: fail fast and let the beat reconciliation catch up.
REDIS_SOCKET_TIMEOUT = 2

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX") or "kai",
            "OPTIONS": {
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
                "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kai"}}

# The in-memory transport ignores the host, but kombu warns "No hostname was supplied" whenever a connection
# without one is pooled, which even an eager task does; naming one keeps the embedded default quiet.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Embedded default: with no Redis, tasks run in-process at once (eager) so the demo needs no worker.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", REDIS_URL is None)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 600
CELERY_TASK_SOFT_TIME_LIMIT = 540
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_BEAT_SCHEDULE: dict = {
    # Safety net for the on-commit enqueue: recompute any phase whose standings snapshot is stale.
    "evaluations-reconcile-standings": {"task": "evaluations.reconcile_standings", "schedule": 120.0},
}

# --- REST framework ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first so a bad or revoked token gets 401 with WWW-Authenticate; without an Authorization
    # header it steps aside and the browser session (with CSRF) applies.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "common.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["common.api.permissions.RolePermission"],
    "EXCEPTION_HANDLER": "common.api.exception_handlers.api_exception_handler",
    "DEFAULT_FILTER_BACKENDS": [
        "common.api.filter_backends.StrictDjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.pagination.StandardPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": ["common.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_THROTTLE_RATE") or "600/minute"},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "K-AI Portal API",
    "DESCRIPTION": (
        "Sovereign AI foundation model program (독자 AI 파운데이션 모델 프로젝트) "
        "data for dashboards and auditors."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The default enum hook, one operation per export and format, then the API's error answers
    # (400/401/403/404/409/415/429) on every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.schema.document_exports",
        "common.api.schema.document_error_responses",
    ],
    "ENUM_NAME_OVERRIDES": {
        "BenchmarkGroupEnum": "evaluations.models.BenchmarkGroup",
        "BenchmarkCategoryEnum": "evaluations.models.Benchmark.Category",
        "BudgetCategoryEnum": "budget.models.Category",
        # The portal's four roles (users' role / roles), apart from a partner's role in a consortium, whose
        # enum keeps the name it had before users came to the API.
        "PortalRoleEnum": "common.roles.Role",
        "RoleEnum": "consortia.models.Partnership.Role",
        # The kind of a phase's required input in its readiness grid (results, sheets, panel, gate).
        "ReadinessInputKindEnum": "evaluations.api.serializers.READINESS_INPUT_KINDS",
        "OrganizationKindEnum": "consortia.models.Organization.Kind",
        "PhaseStatusEnum": "evaluations.models.Phase.Status",
        # A standings outcome, wherever it appears (a row, a participant, a what-if change).
        "OutcomeEnum": "evaluations.models.PhaseParticipant.Outcome",
        "StandingsMissingKindEnum": "evaluations.api.standings_serializers.STANDINGS_MISSING_KINDS",
    },
}

# --- Security (production.py turns the rest on) -----------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Lock on the username+IP pair: pure username lockout would let anyone lock out a ministry official.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_ENABLED = env_bool("AXES_ENABLED", True)

LOG_LEVEL = env_str("LOG_LEVEL") or "INFO"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"django.server": DEFAULT_LOGGING["formatters"]["django.server"]},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": DEFAULT_LOGGING["handlers"]["django.server"],
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's default config gives the "django" logger a console handler of its own (with DEBUG on), so
        # its lines printed twice, there and through the root's: only the root prints them now. The level is
        # repeated because a record that propagates is not held back by the root's level.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        # Configuring "django" resets its children: runserver's request lines keep Django's own format.
        "django.server": DEFAULT_LOGGING["loggers"]["django.server"],
        "axes": {"level": "WARNING"},
    },
}
