from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from common.models import ApiToken
from common.roles import Role, is_ministry_staff, user_roles
from common.services import api_token_create, api_token_revoke
from consortia.models import Organization
from tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_office(db):
    """The organization the auditors below belong to."""
    return OrganizationFactory(name_en="Board of Audit and Inspection", kind=Organization.Kind.PUBLIC_BODY)


def _codenames(role: Role) -> set[str]:
    return set(Group.objects.get(name=role.value).permissions.values_list("codename", flat=True))


def test_migration_creates_the_four_roles():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


def test_auditor_can_only_view():
    codenames = _codenames(Role.AUDITOR)
    assert "view_consortium" in codenames and "view_budgetline" in codenames
    assert all(code.startswith("view_") for code in codenames)


def test_ministry_staff_can_change_consortia_and_budget():
    codenames = _codenames(Role.MINISTRY_STAFF)
    assert {"add_consortium", "change_consortium", "delete_partnership", "change_budgetline"} <= codenames


def test_consortium_member_cannot_change_registry():
    codenames = _codenames(Role.CONSORTIUM_MEMBER)
    assert "view_consortium" in codenames
    assert not {"change_consortium", "add_budgetline", "change_budgetline", "delete_partnership"} & codenames


def test_evaluator_cannot_touch_budget():
    assert not any(code.endswith("budgetline") for code in _codenames(Role.EVALUATOR))


def test_user_roles_from_groups(make_user, auditor_office):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    assert user_roles(user) == {Role.AUDITOR}
    assert not is_ministry_staff(user)


def test_token_is_stored_hashed_and_authenticates(make_user, auditor_office):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    token, raw_key = api_token_create(user=user, name="audit export")
    assert raw_key not in token.key_hash and len(token.key_hash) == 64
    assert not ApiToken.objects.filter(key_hash=raw_key).exists()
    token.refresh_from_db()
    assert token.prefix == raw_key[:12] and token.is_active


def test_revoked_token_stops_working_at_once(make_user, auditor_office, rf):
    from common.authentication import HashedTokenAuthentication

    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    token, raw_key = api_token_create(user=user, name="audit export")
    request = rf.get("/", HTTP_AUTHORIZATION=f"Token {raw_key}")
    assert HashedTokenAuthentication().authenticate(request)[0] == user
    api_token_revoke(token=token)
    from rest_framework.exceptions import AuthenticationFailed

    with pytest.raises(AuthenticationFailed, match="revoked"):
        HashedTokenAuthentication().authenticate(request)


def test_wrong_token_is_refused(rf):
    from rest_framework.exceptions import AuthenticationFailed

    from common.authentication import HashedTokenAuthentication

    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        HashedTokenAuthentication().authenticate(rf.get("/", HTTP_AUTHORIZATION="Token kai_nope"))


def test_create_api_token_command_prints_the_key_once(make_user, auditor_office, capsys):
    from django.core.management import CommandError, call_command

    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    call_command("create_api_token", user.username, name="export script")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    token = ApiToken.objects.get(user=user)
    from common.services import api_token_hash

    assert token.key_hash == api_token_hash(key) and token.name == "export script"
    with pytest.raises(CommandError, match="no active user named 'nobody'"):
        call_command("create_api_token", "nobody", name="x")
