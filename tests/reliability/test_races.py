"""Two requests racing through the API on real PostgreSQL connections (threads released together by a
barrier, each with its own connection).

* The same results file sent twice at once (a double click, a retrying client): the phase row lock
  serialises them; exactly one upload is current, each upload keeps exactly its own rows, nothing is a 500.
* Two ministry staff allocating the last of a team's cap at once: exactly one gets it; the other is told the
  cap is exceeded; the cap is never overrun. (tests/budget/test_concurrency.py races the services directly;
  this is the same race through HTTP, authentication, serializers and the exception handler.)
* Two evaluators' stale edits are covered at the service level (tests/evaluations/test_concurrency.py), the
  API level (tests/api/test_evaluations_api.py: 409 with the current version) and the browser level
  (tests/ui/test_evaluation_views.py: both versions shown), so they are not repeated here.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from rest_framework.test import APIClient

import budget.services.allocations as allocation_services
import evaluations.services.scoring as scoring_services
from budget.models import Allocation, BudgetLine
from budget.selectors import allocation_room
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations.models import ResultRow, ResultUpload
from tests.reliability.support import postgres_only

pytestmark = [postgres_only, pytest.mark.django_db(transaction=True)]

RESULTS = b"benchmark,score\nMMLU-Pro,80.25\nGPQA-Diamond,71\n"


def _race(requests: list, *, hold: float = 0.5) -> list[tuple[object, float, float]]:
    """Run each zero-argument callable in its own thread, all released together: [(response, start, end)]."""
    barrier = threading.Barrier(len(requests))
    outcomes: list = [None] * len(requests)

    def run(index, request):
        try:
            barrier.wait(timeout=10)
            started = time.monotonic()
            outcomes[index] = (request(), started, time.monotonic())
        except Exception as exc:  # noqa: BLE001 -- inspected below
            outcomes[index] = (exc, 0.0, 0.0)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30 + hold)
    assert not any(thread.is_alive() for thread in threads), "a racing request did not finish within 30 s"
    return outcomes


def _slowed(monkeypatch, module, name: str, seconds: float = 0.5):
    """Hold the check open for a moment, so without the lock both requests would pass it."""
    original = getattr(module, name)

    def slow(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, slow)


def _client(user) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(user)
    return client


def test_the_same_upload_sent_twice_at_once_leaves_exactly_one_current(p2_ready, make_user, monkeypatch):
    member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    _slowed(monkeypatch, scoring_services, "result_file_parse")
    audit_before = AuditEvent.objects.count()

    def send():
        return _client(member).post(
            "/api/v1/result-uploads/",
            {"phase": "P2", "consortium": "LG", "file": SimpleUploadedFile("results.csv", RESULTS)},
            format="multipart",
        )

    outcomes = _race([send, send])
    assert [getattr(r, "status_code", r) for r, _s, _e in outcomes] == [201, 201]
    (_r1, start1, end1), (_r2, start2, end2) = sorted(outcomes, key=lambda o: o[2])
    assert start2 < end1, "the two uploads did not overlap, so nothing raced"
    uploads = ResultUpload.objects.filter(phase=p2_ready, consortium__code="LG").order_by("uploaded_at", "pk")
    assert [u.is_current for u in uploads] == [False, True]
    # Each upload has exactly its own two rows; the current results are the file's, once.
    assert [u.rows.count() for u in uploads] == [2, 2]
    assert ResultRow.objects.filter(upload__is_current=True, upload__consortium__code="LG").count() == 2
    assert AuditEvent.objects.count() == audit_before + 2


def test_two_staff_allocating_the_last_of_a_cap_at_once_exactly_one_wins(kai_program, make_user, monkeypatch):
    first, second = make_user(Role.MINISTRY_STAFF), make_user(Role.MINISTRY_STAFF)
    line, lg = BudgetLine.objects.get(code="FY25-TALENT"), Consortium.objects.get(code="LG")
    period = {"period_start": dt.date(2025, 8, 1), "period_end": dt.date(2025, 12, 31)}
    # LG's talent-matching cap is 2bn a year: 1.5bn goes first, leaving the last 0.5bn.
    allocation_services.allocation_create(
        line=line, consortium=lg, amount_krw=1_500_000_000, actor=first, **period
    )
    room = allocation_room(line=line, consortium=lg)
    assert room.team_remaining_krw == 500_000_000 < room.line_remaining_krw
    _slowed(monkeypatch, allocation_services, "allocation_room")

    def allocate(user):
        return lambda: _client(user).post(
            "/api/v1/allocations/",
            {
                "line": line.code,
                "consortium": "LG",
                "amount_krw": room.team_remaining_krw,
                "period_start": "2025-08-01",
                "period_end": "2025-12-31",
            },
            format="json",
        )

    outcomes = _race([allocate(first), allocate(second)])
    responses = sorted((r for r, _s, _e in outcomes), key=lambda r: getattr(r, "status_code", 0))
    assert [getattr(r, "status_code", r) for r in responses] == [201, 400]
    refused = responses[1].json()
    assert "amount_krw" in refused["errors"] and "cap" in refused["detail"].lower()
    allocated = sum(Allocation.objects.filter(line=line, consortium=lg).values_list("amount_krw", flat=True))
    assert allocated == 2_000_000_000
    assert allocation_room(line=line, consortium=lg).team_remaining_krw == 0
