"""Fixtures of the evaluations tests: P1 as shipped and (for the worker test) celery.contrib.pytest's app and
worker. P2 (as shipped, ready for scoring, complete) and the people in each role come from tests/conftest.py;
lookups such as team() and p2_criteria() from tests/p2_data.py."""

from __future__ import annotations

import os

import pytest
import redis

# celery.contrib.pytest's fixtures, imported here rather than registered as a plugin for the whole suite.
from celery.contrib.pytest import (  # noqa: F401
    celery_app,
    celery_enable_logging,
    celery_includes,
    celery_parameters,
    celery_worker,
    celery_worker_parameters,
    celery_worker_pool,
    use_celery_app_trap,
)

from evaluations.models import Phase


@pytest.fixture
def p1(kai_program) -> Phase:
    return Phase.objects.get(code="P1")


@pytest.fixture
def celery_config():
    """The worker test's Celery app: the real Redis from REDIS_URL, with every key it makes under a prefix of
    this run's own, removed afterwards. Without it each run left its queue's binding (``_kombu.binding.*``,
    which kombu never deletes) and the results in the shared database."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis (CI sets it)")
    prefix = f"kai-test-celery-{os.getpid()}:"
    yield {
        "broker_url": url,
        "result_backend": url,
        "broker_transport_options": {"global_keyprefix": prefix},
        "result_backend_transport_options": {"global_keyprefix": prefix},
        "task_always_eager": False,
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }
    client = redis.Redis.from_url(url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
