"""A real Celery worker (in a thread of this process) recomputes the standings from Redis, against the
real database: the path production takes, with nothing eager."""

from __future__ import annotations

import time
from decimal import Decimal as D

import pytest
from django.db import connection

from evaluations import services
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import standings_view
from tests.p2_data import p2_component, team


def _wait_for_snapshot(phase_id: int, generation: int, timeout: float = 20.0) -> StandingsSnapshot | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snapshot = StandingsSnapshot.objects.filter(phase_id=phase_id, generation=generation).first()
        if snapshot is not None:
            return snapshot
        time.sleep(0.2)
    return None


@pytest.mark.celery_worker
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="runs on PostgreSQL, as in CI: the SQLite test database cannot flush the append-only audit table",
)
@pytest.mark.django_db(transaction=True)
def test_real_worker_recomputes_the_snapshot_after_a_change(celery_app, celery_worker, p2, staff):
    assert celery_app.conf.task_always_eager is False
    # Loading the program (a committed change) already sent recomputes; let the worker finish those.
    assert _wait_for_snapshot(p2.pk, Phase.objects.get(pk=p2.pk).standings_generation) is not None
    services.panel_result_record(
        phase=p2, consortium=team("LG"), component=p2_component("user"), points=D("23.5"), actor=staff
    )
    generation = Phase.objects.get(pk=p2.pk).standings_generation
    snapshot = _wait_for_snapshot(p2.pk, generation)
    assert snapshot is not None, "the worker did not write a snapshot within 20 s"
    assert snapshot.trigger == "panel result user for LG"
    lg = next(row for row in snapshot.table if row["label"] == "LG")
    assert lg["components"][2]["points"] == "23.50"
    assert standings_view(phase_id=p2.pk, user=staff).is_stale is False
    # A second message for the same inputs is a no-op: the task is idempotent.
    again = celery_app.tasks["evaluations.recompute_standings"].delay(phase_id=p2.pk, trigger="again")
    assert again.get(timeout=20) == "current"
    assert StandingsSnapshot.objects.filter(phase=p2, generation=generation).count() == 1
