"""Fixtures for the fault, race, hostile-input and fuzzing tests.

Processes (redis-server, Celery workers) are started per test on free loopback ports and always stopped in
the fixture's teardown; every wait is bounded, so a failure ends the test instead of hanging CI.
"""

from __future__ import annotations

import pytest
from django.db import connection

from tests.reliability.procs import CeleryWorker, HungRedis, RedisServer, database_url, redis_server_available


@pytest.fixture(autouse=True)
def generous_throttle(monkeypatch):
    """These tests send many requests per user and minute; the throttle is tested in tests/test_security.py
    (whose rate override can outlive its test, so it is pinned here)."""
    from common.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/minute"})


@pytest.fixture
def redis_server(tmp_path):
    if not redis_server_available():
        pytest.skip("redis-server is not installed (apt-get install redis-server); CI has it")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hung_redis():
    listener = HungRedis()
    yield listener
    listener.close()


@pytest.fixture
def start_worker(tmp_path, transactional_db):
    """start_worker(broker_url, name=..., beat=False) -> a running CeleryWorker on the test database.
    Workers are stopped before the database is flushed."""
    workers: list[CeleryWorker] = []

    def factory(broker_url: str, *, name: str = "worker", beat: bool = False) -> CeleryWorker:
        worker = CeleryWorker(
            broker_url=broker_url,
            database_url=database_url(connection.settings_dict),
            workdir=tmp_path,
            name=name,
            beat=beat,
        )
        workers.append(worker)
        worker.start()
        return worker

    yield factory
    for worker in workers:
        worker.stop()
