"""Fixtures of the evaluations tests: P1 as shipped and (for the worker test) celery.contrib.pytest's app and
worker. P2 (as shipped, ready for scoring, complete) and the people in each role come from tests/conftest.py;
lookups such as team() and p2_criteria() from tests/p2_data.py."""

from __future__ import annotations

import os

import pytest

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
    """The worker test's Celery app: the real Redis from REDIS_URL, on a queue of its own."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis (CI sets it)")
    return {
        "broker_url": url,
        "result_backend": url,
        "task_always_eager": False,
        "task_default_queue": f"kai-test-evaluations-{os.getpid()}",
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }
