"""The registry through /api/v1/: organisations (POST, PATCH), partnerships (list, retrieve, POST, end) and
a team's withdrawal, over the same services as the pages; refusals name the field and save nothing."""

from __future__ import annotations

import pytest

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium, Organization, Partnership

pytestmark = pytest.mark.django_db

NIA = "National Information Society Agency"


@pytest.fixture
def staff_api(api_as):
    return api_as(Role.MINISTRY_STAFF)


def test_staff_create_and_patch_an_organization(staff_api, role_users):
    response = staff_api.post(
        "/api/v1/organizations/",
        {
            "name_ko": "테스트연구소",
            "name_en": "Test Institute",
            "kind": "research_institute",
            "country": "kr",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["name_en"], body["country"], body["kind"]) == ("Test Institute", "KR", "research_institute")
    response = staff_api.patch(
        f"/api/v1/organizations/{body['id']}/", {"name_ko": "시험연구소"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["name_ko"] == "시험연구소"
    actions = list(
        AuditEvent.objects.filter(object_type="consortia.organization", object_id=str(body["id"]))
        .order_by("id")
        .values_list("action", "actor_id")
    )
    staff_id = role_users[Role.MINISTRY_STAFF].pk
    assert actions == [("create", staff_id), ("update", staff_id)]


def test_duplicate_organization_is_a_400_naming_name_en(staff_api):
    before = Organization.objects.count()
    response = staff_api.post(
        "/api/v1/organizations/",
        {"name_ko": "카이스트", "name_en": "KAIST", "kind": "university"},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["name_en"]
    assert Organization.objects.count() == before


def test_organization_put_and_delete_are_not_offered(staff_api):
    kaist = Organization.objects.get(name_en="KAIST")
    assert staff_api.put(f"/api/v1/organizations/{kaist.pk}/", {}, format="json").status_code == 405
    assert staff_api.delete(f"/api/v1/organizations/{kaist.pk}/").status_code == 405


def test_partnership_join_list_and_end(staff_api, api_as):
    lg = Consortium.objects.get(code="LG")
    nia = Organization.objects.get(name_en=NIA)
    response = staff_api.post(
        "/api/v1/partnerships/",
        {"consortium": lg.pk, "organization": nia.pk, "role": "partner", "joined_on": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 201
    created = response.json()
    assert (created["consortium"], created["organization"]["id"], created["role"], created["left_on"]) == (
        lg.pk,
        nia.pk,
        "partner",
        None,
    )
    listed = (
        api_as(Role.EVALUATOR).get("/api/v1/partnerships/", {"consortium": lg.pk, "current": "true"}).json()
    )
    assert nia.pk in [row["organization"]["id"] for row in listed["results"]]
    # Joining twice is refused, naming the organization.
    again = staff_api.post(
        "/api/v1/partnerships/",
        {"consortium": lg.pk, "organization": nia.pk, "joined_on": "2026-03-02"},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["organization"]
    early = staff_api.post(
        f"/api/v1/partnerships/{created['id']}/end/", {"left_on": "2026-02-01"}, format="json"
    )
    assert early.status_code == 400
    assert list(early.json()["errors"]) == ["left_on"]
    assert Partnership.objects.get(pk=created["id"]).left_on is None
    ended = staff_api.post(
        f"/api/v1/partnerships/{created['id']}/end/", {"left_on": "2026-06-30"}, format="json"
    )
    assert ended.status_code == 200
    assert ended.json()["left_on"] == "2026-06-30"
    assert (
        api_as(Role.AUDITOR).get(f"/api/v1/partnerships/{created['id']}/").json()["left_on"] == "2026-06-30"
    )


def test_partnership_input_is_checked_for_shape(staff_api):
    response = staff_api.post("/api/v1/partnerships/", {"role": "boss"}, format="json")
    assert response.status_code == 400
    assert sorted(response.json()["errors"]) == ["consortium", "joined_on", "organization", "role"]


def test_withdraw_a_team(staff_api):
    motif = Consortium.objects.get(code="MOTIF")
    refused = staff_api.post(
        f"/api/v1/consortia/{motif.pk}/withdraw/", {"left_on": "2026-03-20"}, format="json"
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["reason"]
    response = staff_api.post(
        f"/api/v1/consortia/{motif.pk}/withdraw/",
        {"left_on": "2026-03-20", "reason": "Funding ended"},
        format="json",
    )
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["left_on"], response.json()["exit_reason"]) == (
        "withdrawn",
        "2026-03-20",
        "Funding ended",
    )
    again = staff_api.post(
        f"/api/v1/consortia/{motif.pk}/withdraw/", {"left_on": "2026-03-21", "reason": "x"}, format="json"
    )
    assert again.status_code == 400
    assert "already left" in again.json()["detail"]
    assert staff_api.post("/api/v1/consortia/999999/withdraw/", {}, format="json").status_code == 404
