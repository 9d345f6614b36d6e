"""Two staff sessions running the same transition of the same phase at once, on real PostgreSQL
connections: exactly one wins; the other waits on the phase's row lock, then finds the status moved and is
refused as a conflict (a clear message; HTTP 409 through the API). The status changes once, with one
audit event."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import translation
from rest_framework.test import APIClient

from common.models import AuditEvent
from evaluations import services
from evaluations.models import Phase
from evaluations.services import lifecycle

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL transactions"),
    pytest.mark.django_db(transaction=True),
]

MESSAGE = "Only an open phase can begin its evaluation; 2차 단계평가 is Evaluating."


@pytest.fixture
def slow_winner(monkeypatch):
    """The winner holds the row lock a moment after changing the status, so the loser is surely waiting on
    it (not merely arriving after the commit)."""
    change = lifecycle._status_change

    def held(**kwargs):
        result = change(**kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(lifecycle, "_status_change", held)


def _run_together(work) -> None:
    barrier = threading.Barrier(2)

    def run(name: str) -> None:
        # A new thread starts in the default language (Korean); the messages are asserted in English.
        try:
            with translation.override("en"):
                barrier.wait(timeout=10)
                work(name)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)


def _begin_evaluation_events(phase: Phase) -> int:
    return sum(
        e.context.get("extra") == {"event": "phase_begin_evaluation"}
        for e in AuditEvent.objects.filter(object_type="evaluations.phase", object_id=str(phase.pk))
    )


def test_concurrent_begin_evaluation_one_wins_the_other_is_refused(p2, staff, slow_winner):
    outcomes: dict[str, tuple[str, list[str]]] = {}

    def begin(name: str) -> None:
        try:
            services.phase_begin_evaluation(phase=Phase.objects.get(pk=p2.pk), actor=staff)
            outcomes[name] = ("done", [])
        except ValidationError as exc:
            outcomes[name] = (exc.code, exc.messages)

    _run_together(begin)
    assert sorted(outcomes.values()) == [("done", []), ("transition_state", [MESSAGE])]
    assert Phase.objects.get(pk=p2.pk).status == Phase.Status.EVALUATING
    assert _begin_evaluation_events(p2) == 1


def test_concurrent_begin_evaluation_through_the_api_is_one_200_and_one_409(p2, staff, slow_winner):
    answers: dict[str, tuple[int, dict]] = {}

    def post(name: str) -> None:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(staff)
        response = client.post(f"/api/v1/phases/{p2.pk}/begin-evaluation/")
        answers[name] = (response.status_code, response.json())

    _run_together(post)
    assert sorted(code for code, _body in answers.values()) == [200, 409]
    refused = next(body for code, body in answers.values() if code == 409)
    assert (refused["code"], refused["detail"]) == ("transition_state", MESSAGE)
    assert Phase.objects.get(pk=p2.pk).status == Phase.Status.EVALUATING
    assert _begin_evaluation_events(p2) == 1
