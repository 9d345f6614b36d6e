from __future__ import annotations

import pytest
from django.core.cache import cache

from common.roles import Role
from evaluations import services
from evaluations.models import Phase

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed(kai_program):
    cache.clear()
    for code in ("P1", "P2"):
        services.standings_recompute(phase_id=Phase.objects.get(code=code).pk, trigger="test")
    yield
    cache.clear()


def test_summary_has_current_phase_standings_budget_and_gpus(api_as, computed):
    body = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()
    assert body["current_phase"] == "P2"
    assert [p["code"] for p in body["phases"]] == ["SEL-2025", "P1", "P1-WILDCARD", "P2", "P3"]
    assert body["standings"]["phase"] == "P2" and body["standings"]["is_stale"] is False
    assert body["standings"]["age_seconds"] >= 0
    assert {r["code"] for r in body["standings"]["rows"]} == {"LG", "SKT", "UPSTAGE", "MOTIF"}
    assert body["consortia"] == {"active": 4, "eliminated": 2, "withdrawn": 0}
    gpu_line = next(line for line in body["budget"]["lines"] if line["code"] == "FY25-GPU-LEASE")
    assert gpu_line["amount_krw"] == 157_600_000_000
    assert gpu_line["allocated_krw"] + gpu_line["remaining_krw"] == gpu_line["amount_krw"]
    assert {"period": "2026H1", "consortium": "MOTIF", "gpu_model": "B200", "gpu_count": 768} == {
        k: v
        for k, v in next(g for g in body["gpu"] if g["consortium"] == "MOTIF").items()
        if k != "gpu_hours"
    }


def test_summary_is_cached_and_a_budget_change_shows_at_once(api_as, computed, django_assert_max_num_queries):
    client = api_as(Role.MINISTRY_STAFF)
    first = client.get("/api/v1/dashboard/summary/").json()
    assert first["cached"] is False
    with django_assert_max_num_queries(6):
        second = client.get("/api/v1/dashboard/summary/").json()
    assert second["cached"] is True
    created = client.post(
        "/api/v1/allocations/",
        {
            "line": "FY25-DATA",
            "consortium": "LG",
            "amount_krw": 1_000_000_000,
            "period_start": "2026-07-01",
            "period_end": "2026-12-31",
        },
        format="json",
    )
    assert created.status_code == 201
    third = client.get("/api/v1/dashboard/summary/").json()
    assert third["cached"] is False
    data_line = next(line for line in third["budget"]["lines"] if line["code"] == "FY25-DATA")
    before = next(line for line in first["budget"]["lines"] if line["code"] == "FY25-DATA")
    assert data_line["allocated_krw"] == before["allocated_krw"] + 1_000_000_000


def test_cached_summary_by_token_costs_three_queries(computed, make_user, django_assert_num_queries):
    """The load target's path (bench/load.sh): an auditor's token call with the summary cached is the token,
    the caller's roles, then the cache stamp with the program: nothing else touches the database."""
    from rest_framework.test import APIClient

    from common.services import api_token_create

    _token, key = api_token_create(user=make_user(Role.AUDITOR), name="dashboard")
    client = APIClient(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/dashboard/summary/").status_code == 200  # fills the cache, stamps last use
    with django_assert_num_queries(3):
        response = client.get("/api/v1/dashboard/summary/")
    assert response.status_code == 200 and response.json()["cached"] is True
    # A member's token is refused on its roles, before the summary is looked at.
    _token, member_key = api_token_create(user=make_user(Role.CONSORTIUM_MEMBER), name="member")
    member = APIClient(HTTP_AUTHORIZATION=f"Token {member_key}")
    member.get("/api/v1/ping")
    with django_assert_num_queries(2):
        assert member.get("/api/v1/dashboard/summary/").status_code == 403


def test_summary_marks_standings_stale_until_recomputed(api_as, computed, role_users):
    p2 = Phase.objects.get(code="P2")
    from evaluations.services import standings_inputs_changed

    standings_inputs_changed(phase_id=p2.pk, trigger="test change")  # enqueue is on commit: never here
    stale = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()
    assert stale["standings"]["is_stale"] is True
    services.standings_recompute(phase_id=p2.pk, trigger="test")
    fresh = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()
    assert fresh["standings"]["is_stale"] is False and fresh["cached"] is False


def test_summary_date_times_have_the_kst_offset_like_every_api_answer(api_as, computed):
    body = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()
    for text in (body["generated_at"], body["standings"]["computed_at"]):
        assert text.endswith("+09:00"), text


def test_summary_budget_has_released_and_unspent_and_frozen_allocations_apart(api_as, computed, staff):
    from budget.models import Allocation
    from consortia.models import Consortium
    from portal.services import consortium_withdraw

    # LG leaves half-way through its GPU lease: the unused GPU-days go back to the line.
    lg = Consortium.objects.get(code="LG")
    gpu = (
        Allocation.objects.filter(consortium=lg, status="active", gpu_count__isnull=False)
        .order_by("id")
        .first()
    )
    left_on = gpu.period_start + (gpu.period_end - gpu.period_start) / 2
    consortium_withdraw(consortium=lg, left_on=left_on, reason="test", actor=staff)
    body = api_as(Role.AUDITOR).get("/api/v1/dashboard/summary/").json()["budget"]
    for line in body["lines"]:
        assert line["active_allocated_krw"] + line["frozen_allocated_krw"] == line["allocated_krw"], line
        assert line["unspent_krw"] == line["allocated_krw"] - line["executed_krw"] - line["pending_krw"]
    frozen = Allocation.objects.filter(status=Allocation.Status.FROZEN).select_related("line", "consortium")
    assert frozen.exists()
    assert sorted(
        (f["line"], f["consortium"], f["amount_krw"]) for f in body["frozen_allocations"]
    ) == sorted((a.line.code, a.consortium.code, a.amount_krw) for a in frozen)
    for item in body["frozen_allocations"]:
        assert item["allocated_krw"] == item["amount_krw"] - item["released_krw"]
        assert item["frozen_on"] is not None
    # Released money is counted once: per line, per team and category, and per frozen allocation.
    released = sum(a.released_krw for a in frozen)
    assert released > 0
    assert sum(line["released_krw"] for line in body["lines"]) == released
    assert sum(row["released_krw"] for row in body["support_by_category"]) == released
    frozen_held = sum(f["allocated_krw"] for f in body["frozen_allocations"])
    assert sum(line["frozen_allocated_krw"] for line in body["lines"]) == frozen_held
