"""Settings for the worker processes the fault tests start: the project's own settings (DATABASE_URL and
REDIS_URL from the environment, as in production), with the beat reconciliation every 2 seconds instead of
every 2 minutes so a test can watch it catch up."""

from kai_portal.settings.base import *  # noqa: F403

CELERY_BEAT_SCHEDULE = {
    name: {**entry, "schedule": 2.0}
    for name, entry in CELERY_BEAT_SCHEDULE.items()  # noqa: F405
}
