"""The Celery app: `celery -A kai_portal worker` and `celery -A kai_portal beat` start from here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kai_portal.settings.local")

app = Celery("kai_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
