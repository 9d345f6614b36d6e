from __future__ import annotations

import pytest

from budget.models import Allocation, BudgetLine
from common.models import AuditEvent
from common.roles import Role

pytestmark = pytest.mark.django_db

BN = 1_000_000_000


def _allocate(client, **overrides):
    body = {
        "line": "FY25-DATA",
        "consortium": "LG",
        "amount_krw": 1 * BN,
        "period_start": "2026-07-01",
        "period_end": "2026-12-31",
        **overrides,
    }
    return client.post("/api/v1/allocations/", body, format="json")


def test_allocation_refuses_float_krw_with_a_clear_message_and_saves_nothing(api_as):
    before = Allocation.objects.count()
    response = _allocate(api_as(Role.MINISTRY_STAFF), amount_krw=1.5e9)
    assert response.status_code == 400
    assert "amount_krw" in response.json()["errors"]
    assert "floating-point" in response.json()["detail"]
    assert Allocation.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"amount_krw": 0}, "amount_krw", "positive"),
        ({"amount_krw": -5}, "amount_krw", "positive"),
        ({"amount_krw": "10억"}, "amount_krw", "whole number"),
        ({"period_end": "2026-06-30"}, "period_end", "before"),
        ({"consortium": "NCAI"}, "non_field_errors", "eliminated (since 2026-01-15)"),
        ({"amount_krw": 31 * BN}, "amount_krw", "remain"),
    ],
)
def test_allocation_bad_input_names_the_field(api_as, overrides, field, words):
    before = (Allocation.objects.count(), AuditEvent.objects.count())
    response = _allocate(api_as(Role.MINISTRY_STAFF), **overrides)
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body["errors"], body
    assert words in body["detail"].lower(), body["detail"]
    assert (Allocation.objects.count(), AuditEvent.objects.count()) == before


def test_allocation_created_and_room_shrinks(api_as):
    client = api_as(Role.MINISTRY_STAFF)
    room = client.get("/api/v1/allocations/room/", {"line": "FY25-DATA", "consortium": "LG"}).json()
    created = _allocate(client, amount_krw=2 * BN)
    assert created.status_code == 201, created.content
    assert created.json()["amount_krw"] == 2 * BN and created.json()["category"] == "data_purchase"
    after = client.get("/api/v1/allocations/room/", {"line": "FY25-DATA", "consortium": "LG"}).json()
    assert after["line_remaining_krw"] == room["line_remaining_krw"] - 2 * BN
    assert after["team_remaining_krw"] == room["team_remaining_krw"] - 2 * BN
    event = AuditEvent.objects.filter(object_type="budget.allocation", action="create").latest("id")
    assert event.context["path"] == "/api/v1/allocations/"


def test_member_sees_only_own_team_allocations(api_as):
    codes = {
        a["consortium"]
        for a in api_as(Role.CONSORTIUM_MEMBER).get("/api/v1/allocations/", {"limit": 200}).json()["results"]
    }
    assert codes == {"LG"}
    all_codes = {
        a["consortium"]
        for a in api_as(Role.AUDITOR).get("/api/v1/allocations/", {"limit": 200}).json()["results"]
    }
    assert {"LG", "UPSTAGE", "MOTIF", "NCAI"} <= all_codes


def test_budget_line_amend_is_recorded(api_as):
    client = api_as(Role.MINISTRY_STAFF)
    line = BudgetLine.objects.get(code="FY25-TALENT")
    response = client.post(
        f"/api/v1/budget-lines/{line.pk}/amend/",
        {"new_amount_krw": 6 * BN, "reason": "supplementary"},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["old_amount_krw"], response.json()["new_amount_krw"]) == (5 * BN, 6 * BN)
    history = client.get(f"/api/v1/budget-lines/{line.pk}/amendments/").json()
    assert [h["reason"] for h in history] == ["supplementary"]
    figures = client.get(f"/api/v1/budget-lines/{line.pk}/").json()
    assert figures["amount_krw"] == 6 * BN


def test_member_records_execution_and_staff_approve(api_as, role_users):
    staff = api_as(Role.MINISTRY_STAFF)
    allocation = _allocate(staff, amount_krw=1 * BN).json()
    member = api_as(Role.CONSORTIUM_MEMBER)
    recorded = member.post(
        "/api/v1/executions/",
        {
            "allocation": allocation["id"],
            "spent_on": "2026-07-15",
            "amount_krw": 300_000_000,
            "description": "news archive licence",
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.content
    too_much = member.post(
        "/api/v1/executions/",
        {
            "allocation": allocation["id"],
            "spent_on": "2026-07-16",
            "amount_krw": 800_000_000,
            "description": "more",
        },
        format="json",
    )
    assert too_much.status_code == 400
    assert (
        member.post(f"/api/v1/executions/{recorded.json()['id']}/approve/", {}, format="json").status_code
        == 403
    )
    approved = staff.post(f"/api/v1/executions/{recorded.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
