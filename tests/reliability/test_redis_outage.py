"""Redis down or hung while an evaluator saves a score: the save succeeds for the user within a few seconds,
the standings are marked stale in PostgreSQL/SQLite (the phase's generation), and once Redis is back the
beat reconciliation brings the standings up to date with nobody doing anything.

The web side uses the project's own Celery settings (socket timeouts, publish retry policy, Redis result
backend), pointed at a port where nothing listens, at a listener that never answers, or at a real
redis-server that the test stops and starts again.
"""

from __future__ import annotations

import logging
import time
from decimal import Decimal as D

import pytest
from rest_framework.test import APIClient

from evaluations import services
from evaluations import standings as pure
from evaluations.models import Phase, ScoreSheet, StandingsSnapshot
from evaluations.selectors import phase_ids_with_stale_standings, standings_inputs, standings_view
from tests.p2_data import p2_criteria, team
from tests.reliability.procs import free_port, time_limit, wait_until
from tests.reliability.support import celery_producer, postgres_only

# What "never blocks a request for more than a few seconds" means here, with a hung Redis the worst case.
REQUEST_BUDGET_SECONDS = 5.0

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def evaluator_sheet(p2, staff, make_evaluator):
    evaluator = make_evaluator()
    assignment = services.evaluator_assign(phase=p2, consortium=team("LG"), evaluator=evaluator, actor=staff)
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(evaluator)
    return client, ScoreSheet.objects.get(assignment=assignment)


def _save_score(client, sheet, points: str):
    """Submit the sheet (a submitted sheet is what the standings count), ``points`` on its first criterion."""
    technology, *others = p2_criteria()
    scores = [{"criterion": technology.pk, "points": points, "comment": "ok"}]
    scores += [{"criterion": c.pk, "points": "5", "comment": "ok"} for c in others]
    started = time.monotonic()
    with time_limit(REQUEST_BUDGET_SECONDS * 3, "the score-sheet save"):
        response = client.put(
            f"/api/v1/score-sheets/{sheet.pk}/",
            {"version": sheet.version, "scores": scores, "submit": True},
            format="json",
        )
    return response, time.monotonic() - started


def _assert_saved_and_stale(response, elapsed, sheet, points: str):
    print(f"score saved in {elapsed:.2f} s")  # shown with -s; the figure the budget is about
    assert response.status_code == 200, response.content
    assert elapsed < REQUEST_BUDGET_SECONDS, f"the save took {elapsed:.1f} s"
    saved = ScoreSheet.objects.get(pk=sheet.pk)
    assert saved.version == sheet.version + 1
    assert saved.status == ScoreSheet.Status.SUBMITTED
    assert saved.scores.get(criterion=p2_criteria()[0]).points == D(points)
    phase = Phase.objects.get(pk=sheet.assignment.phase_id)
    # The durable stale marker: the generation moved past the latest snapshot.
    assert standings_view(phase_id=phase.pk, user=sheet.assignment.evaluator).is_stale
    assert phase.pk in phase_ids_with_stale_standings()


def test_save_with_redis_down_succeeds_fast_and_marks_standings_stale(evaluator_sheet, caplog):
    client, sheet = evaluator_sheet
    nothing_listens = f"redis://127.0.0.1:{free_port()}/0"
    with (
        caplog.at_level(logging.WARNING, logger="evaluations.services._common"),
        celery_producer(nothing_listens),
    ):
        response, elapsed = _save_score(client, sheet, "11")
    _assert_saved_and_stale(response, elapsed, sheet, "11")
    assert "not enqueued" in caplog.text and "reconcile will catch up" in caplog.text


def test_save_with_a_hung_redis_returns_within_the_budget(evaluator_sheet, hung_redis, caplog):
    client, sheet = evaluator_sheet
    with (
        caplog.at_level(logging.WARNING, logger="evaluations.services._common"),
        celery_producer(hung_redis.url),
    ):
        response, elapsed = _save_score(client, sheet, "12")
    # The request really talked to the listener that never answers (so the socket timeouts were what ended
    # it), and the user still got the save within the budget.
    assert hung_redis.accepted
    _assert_saved_and_stale(response, elapsed, sheet, "12")
    assert "Timeout" in caplog.text and "not enqueued" in caplog.text


def test_standings_see_the_api_staleness_while_redis_is_down(evaluator_sheet, api_as):
    from common.roles import Role

    client, sheet = evaluator_sheet
    with celery_producer(f"redis://127.0.0.1:{free_port()}/0"):
        response, _elapsed = _save_score(client, sheet, "9")
    assert response.status_code == 200
    rows = api_as(Role.MINISTRY_STAFF).get("/api/v1/standings/").json()["results"]
    assert next(row for row in rows if row["phase"] == "P2")["is_stale"] is True


@postgres_only
@pytest.mark.celery_worker
def test_after_redis_comes_back_the_beat_reconciliation_catches_up_unattended(
    evaluator_sheet, redis_server, start_worker
):
    client, sheet = evaluator_sheet
    phase = Phase.objects.get(pk=sheet.assignment.phase_id)
    with celery_producer(redis_server.url):
        # A worker with its embedded beat (the reconciliation every 2 s; in production every 2 min).
        worker = start_worker(redis_server.url, name="beat-worker", beat=True)
        wait_until(lambda: not phase_ids_with_stale_standings(), timeout=60, what="the worker to settle")
        redis_server.stop()
        response, elapsed = _save_score(client, sheet, "13")
        _assert_saved_and_stale(response, elapsed, sheet, "13")
        generation = Phase.objects.values_list("standings_generation", flat=True).get(pk=phase.pk)
        time.sleep(3)  # Redis still down: beat ticks fail, the phase stays stale, nothing is lost.
        assert phase.pk in phase_ids_with_stale_standings()
        redis_server.start()  # same port, empty: a restarted Redis that lost everything
        snapshot = wait_until(
            lambda: StandingsSnapshot.objects.filter(phase=phase, generation=generation).first(),
            timeout=90,
            what=f"the reconciliation after Redis came back (worker log:\n{worker.log()[-3000:]})",
        )
    assert snapshot.trigger == "reconcile (stale snapshot)"
    assert not phase_ids_with_stale_standings()
    inputs = standings_inputs(phase=phase)
    assert snapshot.inputs_hash == pure.inputs_digest(inputs)
    assert snapshot.table == pure.compute_standings(inputs).as_rows()
