from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from common.models import ApiToken, AuditEvent
from common.roles import Role

pytestmark = pytest.mark.django_db


def test_staff_creates_token_shown_once_and_revocation_is_immediate(api_as, role_users):
    auditor = role_users[Role.AUDITOR]
    created = api_as(Role.MINISTRY_STAFF).post(
        "/api/v1/tokens/", {"user": auditor.pk, "name": "export bot"}, format="json"
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert not ApiToken.objects.filter(key_hash=key).exists()
    listed = api_as(Role.MINISTRY_STAFF).get("/api/v1/tokens/").json()["results"]
    assert "key" not in listed[0]

    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert bearer.get("/api/v1/audit-events/").status_code == 200

    revoked = api_as(Role.MINISTRY_STAFF).post(f"/api/v1/tokens/{created.json()['id']}/revoke/")
    assert revoked.status_code == 200 and revoked.json()["is_active"] is False
    again = bearer.get("/api/v1/audit-events/")
    assert again.status_code == 401
    assert again.json()["code"] == "authentication_failed"


def test_token_creation_and_revocation_are_audited(api_as, role_users):
    auditor = role_users[Role.AUDITOR]
    token_id = (
        api_as(Role.MINISTRY_STAFF)
        .post("/api/v1/tokens/", {"user": auditor.pk, "name": "bot"}, format="json")
        .json()["id"]
    )
    api_as(Role.MINISTRY_STAFF).post(f"/api/v1/tokens/{token_id}/revoke/")
    events = list(
        AuditEvent.objects.filter(object_type="common.apitoken")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert events == ["create", "update"]
    first = AuditEvent.objects.filter(object_type="common.apitoken").order_by("id").first()
    assert first.context["path"] == "/api/v1/tokens/" and first.context["method"] == "POST"


def test_validation_error_shape(api_as):
    response = api_as(Role.MINISTRY_STAFF).post("/api/v1/tokens/", {"name": ""}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"user", "name"}


def test_ping_needs_no_auth():
    assert APIClient().get("/api/v1/ping/").json() == {"status": "ok"}
    # Without the slash too, for clients and load scripts written before the API had one URL style.
    assert APIClient().get("/api/v1/ping").json() == {"status": "ok"}


def test_schema_is_served_and_docs_have_no_inline_script(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"<script>" not in docs.content.replace(b" ", b"")


def test_audit_events_filter_by_action_and_cursor_pagination(api_as, role_users):
    from common.audit import audit_record

    for i in range(5):
        audit_record(actor=role_users[Role.MINISTRY_STAFF], action="export", object_type=f"export.x{i}")
    audit_record(actor=None, action="freeze", object_type="budget.allocation", object_id=1)
    client = api_as(Role.AUDITOR)
    page = client.get("/api/v1/audit-events/", {"action": "export", "page_size": 2}).json()
    assert [e["object_type"] for e in page["results"]] == ["export.x4", "export.x3"]
    assert page["next"] is not None and "count" not in page
    second = client.get(page["next"]).json()
    assert [e["object_type"] for e in second["results"]] == ["export.x2", "export.x1"]


def test_consortia_list_is_constant_in_queries(api_as, django_assert_max_num_queries):
    client = api_as(Role.AUDITOR)
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/consortia/", {"limit": 100}).json()
    assert body["count"] == 6
    lg = next(c for c in body["results"] if c["code"] == "LG")
    assert len(lg["partners"]) == 11 and lg["models"][0]["name"] == "K-EXAONE"


def test_consortia_filters(api_as):
    client = api_as(Role.EVALUATOR)
    eliminated = client.get("/api/v1/consortia/", {"status": "eliminated"}).json()["results"]
    assert sorted(c["code"] for c in eliminated) == ["NAVER", "NCAI"]
    assert [c["code"] for c in client.get("/api/v1/consortia/", {"q": "모티프"}).json()["results"]] == [
        "MOTIF"
    ]
    assert [
        c["code"]
        for c in client.get("/api/v1/consortia/", {"left_in_phase": "P1", "ordering": "-code"}).json()[
            "results"
        ]
    ] == ["NCAI", "NAVER"]


def test_staff_adds_partner_through_service(api_as):
    from consortia.models import Consortium, Organization

    lg = Consortium.objects.get(code="LG")
    kaist = Organization.objects.get(name_en="KAIST")
    response = api_as(Role.MINISTRY_STAFF).post(
        f"/api/v1/consortia/{lg.pk}/partners/",
        {"organization": kaist.pk, "joined_on": "2026-03-01"},
        format="json",
    )
    assert response.status_code == 201
    dup = api_as(Role.MINISTRY_STAFF).post(
        f"/api/v1/consortia/{lg.pk}/partners/",
        {"organization": kaist.pk, "joined_on": "2026-03-01"},
        format="json",
    )
    assert dup.status_code == 400
    assert "already in this consortium" in dup.json()["detail"]
