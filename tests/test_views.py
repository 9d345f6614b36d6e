from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from common.roles import Role

pytestmark = pytest.mark.django_db


def test_login_page_is_served_in_korean_by_default(client):
    response = client.get("/login/")
    assert response.status_code == 200
    assert b'<html lang="ko">' in response.content
    assert b'name="csrfmiddlewaretoken"' in response.content


def test_dashboard_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_security_headers_are_sent(client):
    response = client.get("/login/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_admin_lists_the_six_consortia_for_ministry_staff(client, kai_program, make_user):
    staff = make_user(Role.MINISTRY_STAFF)
    staff.is_staff = True
    staff.save()
    client.force_login(staff)
    response = client.get("/admin/consortia/consortium/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in (
        "LG AI연구원 컨소시엄",
        "SK텔레콤 컨소시엄",
        "업스테이지 컨소시엄",
        "네이버클라우드 컨소시엄",
        "NC AI 컨소시엄",
        "모티프테크놀로지스 컨소시엄",
    ):
        assert name in body
    lg = kai_program.consortia.get(code="LG")
    detail = client.get(f"/admin/consortia/consortium/{lg.pk}/change/").content.decode()
    assert "FuriosaAI" in detail and "Elice" in detail


def test_admin_refuses_auditor_writes(client, kai_program, make_user):
    auditor = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    auditor.is_staff = True
    auditor.save()
    client.force_login(auditor)
    assert client.get("/admin/consortia/consortium/").status_code == 200
    assert client.get("/admin/consortia/consortium/add/").status_code == 403


def test_consortium_detail_lists_partners_and_models(client, kai_program, make_user):
    client.force_login(make_user(Role.AUDITOR, organization="Board of Audit and Inspection"))
    upstage = kai_program.consortia.get(code="UPSTAGE")
    body = client.get(f"/consortia/{upstage.pk}/").content.decode()
    assert "Lablup" in body and "Solar Open 100B" in body
    assert client.get("/consortia/999999/").status_code == 404


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_user_model_is_django_default():
    assert get_user_model()._meta.label == "auth.User"
