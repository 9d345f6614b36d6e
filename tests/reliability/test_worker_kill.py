"""A Celery worker killed with SIGKILL in the middle of a standings recompute loses nothing.

The recompute is held in the middle by the database itself, with no hook in the code: the test takes a SHARE
lock on the snapshot table, so the task reads every input, computes the table, holds its advisory lock and
then waits on its INSERT. That is the moment the worker is killed.

* Only the pool child killed: the main process sees WorkerLostError and, because the task has
  ``acks_late`` and ``reject_on_worker_lost``, puts the message back; a new pool child runs it again.
* The whole worker killed (main process and pool): nothing acks or rejects; Redis keeps the message unacked
  for the visibility timeout (an hour). A new worker plus the beat reconciliation recompute the phase.

Either way the final snapshot equals a fresh computation from the database, and the killed run's half
transaction never commits (one snapshot per generation).
"""

from __future__ import annotations

import re
import time
from decimal import Decimal as D

import pytest
from django.db import connection, connections

from evaluations import services
from evaluations import standings as pure
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import phase_ids_with_stale_standings, standings_inputs
from tests.p2_data import p2_component, team
from tests.reliability.procs import wait_until
from tests.reliability.support import celery_producer, postgres_only

pytestmark = [postgres_only, pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

BLOCKED_INSERT = """
SELECT pid FROM pg_stat_activity
WHERE datname = current_database() AND wait_event_type = 'Lock'
  AND query LIKE 'INSERT INTO "evaluations_standingssnapshot"%%'
"""


class SnapshotTableLock:
    """SHARE lock on the snapshot table from a connection of its own: reads go on, inserts wait."""

    def __init__(self):
        self.conn = connections.create_connection("default")

    def __enter__(self):
        self.conn.ensure_connection()
        self.conn.set_autocommit(False)
        with self.conn.cursor() as cursor:
            cursor.execute("LOCK TABLE evaluations_standingssnapshot IN SHARE MODE")
        return self

    def release(self):
        if self.conn.connection is not None:
            self.conn.rollback()
            self.conn.close()

    def __exit__(self, *exc):
        self.release()


def _blocked_recompute_pids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(BLOCKED_INSERT)
        return [row[0] for row in cursor.fetchall()]


def _drained(worker) -> bool:
    assert worker.process.poll() is None, f"the worker died:\n{worker.log()[-3000:]}"
    return not phase_ids_with_stale_standings()


def _assert_snapshot_is_a_fresh_computation(phase: Phase) -> StandingsSnapshot:
    phase.refresh_from_db()
    snapshot = StandingsSnapshot.objects.get(phase=phase, generation=phase.standings_generation)
    inputs = standings_inputs(phase=phase)
    assert snapshot.inputs_hash == pure.inputs_digest(inputs)
    assert snapshot.table == pure.compute_standings(inputs).as_rows()
    return snapshot


def _change_lg_user_points(phase: Phase, staff, points: str) -> int:
    services.panel_result_record(
        phase=phase, consortium=team("LG"), component=p2_component("user"), points=D(points), actor=staff
    )
    return Phase.objects.values_list("standings_generation", flat=True).get(pk=phase.pk)


def _lg_user_points(snapshot: StandingsSnapshot) -> str:
    lg = next(row for row in snapshot.table if row["label"] == "LG")
    return next(c["points"] for c in lg["components"] if c["key"] == "user")


def test_pool_child_killed_mid_recompute_the_message_is_redelivered(redis_server, start_worker, p2, staff):
    with celery_producer(redis_server.url):
        worker = start_worker(redis_server.url, name="kill-child")
        wait_until(lambda: _drained(worker), timeout=60, what="the worker to compute the loaded phases")
        with SnapshotTableLock() as lock:
            generation = _change_lg_user_points(p2, staff, "23.5")
            wait_until(_blocked_recompute_pids, timeout=30, what="the recompute to reach its INSERT")
            killed = worker.kill_pool_child()
            wait_until(lambda: "WorkerLostError" in worker.log(), timeout=20, what="the worker to notice")
            # The killed run's INSERT goes through once the lock is released, but its transaction can never
            # commit: the process that would send COMMIT is gone.
            lock.release()
            snapshot = wait_until(
                lambda: StandingsSnapshot.objects.filter(phase=p2, generation=generation).first(),
                timeout=60,
                what=f"the redelivered recompute (worker log:\n{worker.log()[-2000:]})",
            )
    log = worker.log()
    assert f"pid:{killed}" in log and "signal 9 (SIGKILL)" in log
    # The same message (same task id, same trigger) ran again in a new pool child; no reconciliation ran.
    # (Received twice, or more if the redelivery found the dying session still holding the phase's lock
    # and retried.)
    received = re.findall(r"Task evaluations\.recompute_standings\[([0-9a-f-]+)\] received", log)
    assert len(received) >= 2 and len(set(received)) == 1, log[-3000:]
    assert re.search(
        rf"ForkPoolWorker-2\] Task evaluations\.recompute_standings\[{received[0]}\] succeeded", log
    )
    assert snapshot.trigger == "panel result user for LG"
    assert _lg_user_points(snapshot) == "23.50"
    assert StandingsSnapshot.objects.filter(phase=p2, generation=generation).count() == 1
    _assert_snapshot_is_a_fresh_computation(p2)
    assert not _blocked_recompute_pids()


def test_whole_worker_killed_mid_recompute_a_new_worker_and_the_reconciliation_recompute(
    redis_server, start_worker, p2, staff
):
    with celery_producer(redis_server.url) as app:
        first = start_worker(redis_server.url, name="killed")
        wait_until(lambda: _drained(first), timeout=60, what="the worker to compute the loaded phases")
        with SnapshotTableLock() as lock:
            generation = _change_lg_user_points(p2, staff, "21")
            wait_until(_blocked_recompute_pids, timeout=30, what="the recompute to reach its INSERT")
            first.kill_everything()
            lock.release()
        # The orphaned database session ends once it finds its client gone; nothing it wrote is committed.
        wait_until(lambda: not _blocked_recompute_pids(), timeout=30, what="the orphaned session to end")
        second = start_worker(redis_server.url, name="replacement")
        # The message is still unacked in Redis (visibility timeout: an hour), so nothing happens by itself...
        time.sleep(3)
        assert not StandingsSnapshot.objects.filter(phase=p2, generation=generation).exists()
        assert phase_ids_with_stale_standings() == [p2.pk]
        # ...until the beat task runs; this sends it through the broker exactly as celery beat does.
        app.send_task("evaluations.reconcile_standings")
        snapshot = wait_until(
            lambda: StandingsSnapshot.objects.filter(phase=p2, generation=generation).first(),
            timeout=60,
            what=f"the reconciliation (worker log:\n{second.log()[-2000:]})",
        )
    assert snapshot.trigger == "reconcile (stale snapshot)"
    assert _lg_user_points(snapshot) == "21.00"
    assert StandingsSnapshot.objects.filter(phase=p2, generation=generation).count() == 1
    _assert_snapshot_is_a_fresh_computation(p2)
