"""Plain helpers of the fault tests (no fixtures): the PostgreSQL-only mark and a real Celery producer."""

from __future__ import annotations

import contextlib

import pytest
from celery import Celery
from celery.contrib.testing.app import setup_default_app
from django.conf import settings
from django.db import connection

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL (CI runs it): a worker process reading the test database, row and table "
    "locks, pg_stat_activity, pg_terminate_backend",
)


@contextlib.contextmanager
def celery_producer(broker_url: str):
    """Make the project's Celery configuration (socket timeouts, publish retry policy, result backend) talk
    to ``broker_url`` for real, not eagerly: what a web process in production does."""
    conf = {
        key[len("CELERY_") :].lower(): getattr(settings, key)
        for key in dir(settings)
        if key.startswith("CELERY_")
    }
    conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    app = Celery("kai-reliability", set_as_current=False)
    app.conf.update(conf)
    with setup_default_app(app, use_trap=False):
        app.set_current()
        app.set_default()
        yield app
