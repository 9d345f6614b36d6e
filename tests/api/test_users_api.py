"""/api/v1/users/: ministry staff create, invite, edit, deactivate and reactivate accounts over the same
services as the pages; bad input is a 400 naming the field with nothing saved. Who may call what is in
test_permission_matrix.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from common.models import ApiToken, AuditEvent
from common.roles import Role
from common.services import api_token_create
from tests.consortia.accounts_support import mailed_link, org, team

pytestmark = pytest.mark.django_db

User = get_user_model()
URL = "/api/v1/users/"


@pytest.fixture
def staff_api(api_as):
    return api_as(Role.MINISTRY_STAFF)


def _body(**overrides) -> dict:
    body = {
        "username": "jeong.nia",
        "email": "jeong@nia.example.kr",
        "first_name": "하은",
        "last_name": "정",
        "role": "evaluator",
        "organization": org("National Information Society Agency").pk,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def test_create_with_a_password_returns_the_account(staff_api):
    response = staff_api.post(URL, _body(password="a-long-and-unusual-passphrase-42"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    user = User.objects.get(username="jeong.nia")
    assert user.check_password("a-long-and-unusual-passphrase-42")
    assert "password" not in data
    assert {
        key: data[key] for key in ("id", "username", "display_name", "roles", "has_password", "is_active")
    } == {
        "id": user.pk,
        "username": "jeong.nia",
        "display_name": "정하은",
        "roles": ["evaluator"],
        "has_password": True,
        "is_active": True,
    }
    assert data["organization"]["name_en"] == "National Information Society Agency"
    assert data["consortium"] is None and data["last_login"] is None and data["active_token_count"] == 0


def test_create_without_a_password_invites_by_mail(staff_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(
            URL,
            _body(role="consortium_member", organization=org("Upstage").pk, consortium=team("UPSTAGE").pk),
            format="json",
        )
    assert response.status_code == 201, response.json()
    assert response.json()["has_password"] is False
    assert response.json()["consortium"] == {
        "id": team("UPSTAGE").pk,
        "code": "UPSTAGE",
        "name": team("UPSTAGE").name,
    }
    [message] = mail.outbox
    assert message.to == ["jeong@nia.example.kr"]
    assert mailed_link(message.body).startswith("http://testserver/accounts/password/reset/")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"role": "consortium_member"}, "consortium", "A consortium member must belong to a team"),
        ({"consortium": "LG"}, "consortium", "Only consortium members belong to a team"),
        ({"organization": 999_999}, "organization", 'Invalid pk "999999" - object does not exist.'),
        ({"role": "admin"}, "role", '"admin" is not a valid choice.'),
        ({"email": "x"}, "email", "Enter a valid email address."),
        ({"first_name": ...}, "first_name", "This field is required."),
        ({"password": "short"}, "password", "This password is too short."),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_saved(staff_api, overrides, field, message):
    if overrides.get("consortium") == "LG":
        overrides["consortium"] = team("LG").pk
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = staff_api.post(URL, _body(**overrides), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, events)
    assert mail.outbox == []


def test_taken_username_and_email_are_refused(staff_api, role_users):
    auditor = role_users[Role.AUDITOR]
    auditor.email = "audit@bai.example.kr"
    auditor.save()
    response = staff_api.post(
        URL, _body(username=auditor.username, email="AUDIT@bai.example.kr"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "username": [f"The username “{auditor.username}” is already taken."],
        "email": [
            f"The email address AUDIT@bai.example.kr is already used by the account “{auditor.username}”."
        ],
    }


def test_patch_changes_what_is_sent_and_keeps_the_rest(staff_api, role_users):
    evaluator = role_users[Role.EVALUATOR]
    response = staff_api.patch(
        f"{URL}{evaluator.pk}/",
        {
            "role": "consortium_member",
            "organization": org("LG AI Research").pk,
            "consortium": team("LG").pk,
            "email": "moved@lgresearch.example.kr",
            "first_name": "Min",
            "last_name": "Lee",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["roles"] == ["consortium_member"]
    assert response.json()["consortium"]["code"] == "LG"
    response = staff_api.patch(f"{URL}{evaluator.pk}/", {"title": "PM"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["roles"], response.json()["email"]) == (
        "PM",
        ["consortium_member"],
        "moved@lgresearch.example.kr",
    )
    # A PATCH that would leave a member without a team is refused like a POST.
    response = staff_api.patch(f"{URL}{evaluator.pk}/", {"consortium": None}, format="json")
    assert response.status_code == 400 and list(response.json()["errors"]) == ["consortium"]


def test_put_and_delete_are_not_offered(staff_api, role_users):
    url = f"{URL}{role_users[Role.EVALUATOR].pk}/"
    assert staff_api.put(url, {}, format="json").status_code == 405
    assert staff_api.delete(url).status_code == 405


def test_deactivate_revokes_the_tokens_at_once_and_reactivate_lets_back_in(staff_api, role_users):
    auditor = role_users[Role.AUDITOR]
    _token, key = api_token_create(user=auditor, name="export")
    by_token = APIClient(HTTP_AUTHORIZATION=f"Token {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert by_token.get("/api/v1/audit-events/").status_code == 200

    response = staff_api.post(f"{URL}{auditor.pk}/deactivate/")
    assert response.status_code == 200
    assert (response.json()["is_active"], response.json()["active_token_count"]) == (False, 0)
    assert by_token.get("/api/v1/audit-events/").status_code == 401
    assert not ApiToken.objects.filter(user=auditor, revoked_at__isnull=True).exists()

    again = staff_api.post(f"{URL}{auditor.pk}/deactivate/")
    assert again.status_code == 400 and "already deactivated" in again.json()["detail"]
    assert staff_api.post(f"{URL}{auditor.pk}/reactivate/").json()["is_active"] is True
    assert by_token.get("/api/v1/audit-events/").status_code == 401  # the old token stays revoked


def test_staff_cannot_deactivate_themselves(staff_api, role_users):
    response = staff_api.post(f"{URL}{role_users[Role.MINISTRY_STAFF].pk}/deactivate/")
    assert response.status_code == 400
    assert response.json()["detail"] == "You cannot deactivate your own account."


def test_password_link_mails_the_person(staff_api, role_users, django_capture_on_commit_callbacks):
    member = role_users[Role.CONSORTIUM_MEMBER]
    member.email = "member@lgresearch.example.kr"
    member.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api.post(f"{URL}{member.pk}/password-link/")
    assert response.status_code == 200
    [message] = mail.outbox
    assert message.to == ["member@lgresearch.example.kr"]


def test_list_filters_by_role_and_status(staff_api, role_users):
    def usernames(params):
        return sorted(row["username"] for row in staff_api.get(URL, params).json()["results"])

    assert usernames({"role": "auditor"}) == [role_users[Role.AUDITOR].username]
    staff_api.post(f"{URL}{role_users[Role.AUDITOR].pk}/deactivate/")
    assert usernames({"is_active": "false"}) == [role_users[Role.AUDITOR].username]
    assert usernames({"role": ["auditor", "evaluator"], "is_active": "true"}) == [
        role_users[Role.EVALUATOR].username
    ]


def test_list_query_count_does_not_grow_with_users(staff_api, role_users, make_user):
    def count() -> int:
        # A real request loads its user anew: drop the per-object role cache so both counts include it.
        role_users[Role.MINISTRY_STAFF].__dict__.pop("_kai_roles", None)
        with CaptureQueriesContext(connection) as ctx:
            response = staff_api.get(URL, {"page_size": 200})
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for _ in range(2):
        user = make_user(Role.EVALUATOR, organization="KAIST")
        api_token_create(user=user, name="t")
    small = count()
    for _ in range(10):
        user = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
        api_token_create(user=user, name="t")
    assert count() == small
