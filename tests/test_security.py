from __future__ import annotations

import pytest
from django.contrib.auth.hashers import get_hasher
from django.core.cache import cache
from rest_framework.test import APIClient

from common.roles import Role
from common.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
    yield


def test_login_brute_force_is_locked_out(client, kai_program, make_user, axes_on, settings):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    codes = [
        client.post("/login/", {"username": user.username, "password": "wrong-password"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    # Locked now: even the right password is refused for this username+IP pair.
    locked = client.post("/login/", {"username": user.username, "password": "not-a-real-password-1234"})
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "locked" in locked.content.decode().lower() or "잠겼" in locked.content.decode()
    # Another address is not locked out by someone else's failures.
    other = client.post(
        "/login/",
        {"username": user.username, "password": "not-a-real-password-1234"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302


def test_login_form_requires_csrf(kai_program, make_user):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    strict = __import__("django.test", fromlist=["Client"]).Client(enforce_csrf_checks=True)
    response = strict.post("/login/", {"username": user.username, "password": "not-a-real-password-1234"})
    assert response.status_code == 403


def test_api_session_writes_require_csrf(kai_program, make_user):
    from django.test import Client

    staff = make_user(Role.MINISTRY_STAFF)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff)
    response = strict.post(
        "/api/v1/tokens/", {"user": staff.pk, "name": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_default_password_hasher_is_strong(settings):
    from django.conf import settings as dj

    # Test settings swap in MD5 for speed; the real configuration keeps Django's PBKDF2 default.
    from kai_portal.settings import base

    assert not hasattr(base, "PASSWORD_HASHERS")
    assert get_hasher("default").algorithm in ("md5", "pbkdf2_sha256")
    assert dj.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 12


def test_token_throttle_is_per_token(settings, kai_program, make_user):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token": "3/minute"}}
    cache.clear()
    from common.throttling import TokenRateThrottle

    TokenRateThrottle.THROTTLE_RATES = {"token": "3/minute"}
    try:
        user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
        _, key_a = api_token_create(user=user, name="a")
        _, key_b = api_token_create(user=user, name="b")
        a, b = APIClient(), APIClient()
        a.credentials(HTTP_AUTHORIZATION=f"Token {key_a}")
        b.credentials(HTTP_AUTHORIZATION=f"Token {key_b}")
        codes = [a.get("/api/v1/organizations/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert b.get("/api/v1/organizations/").status_code == 200
    finally:
        from rest_framework.settings import api_settings

        TokenRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
        cache.clear()
