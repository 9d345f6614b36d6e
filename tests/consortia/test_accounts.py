"""Account services: create, invite, update, deactivate (tokens revoked in the same transaction), reactivate,
password links; every refusal names its field and saves nothing; every change is audited."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError

from common.models import ApiToken, AuditEvent
from common.roles import Role, user_roles
from common.services import api_token_create, api_token_revoke
from consortia.accounts import services
from consortia.accounts.filters import UserFilterSet
from consortia.accounts.names import person_label, person_name
from consortia.accounts.selectors import user_list
from consortia.models import Affiliation
from tests.consortia.accounts_support import BASE_URL, mailed_link, org, person, team

User = get_user_model()


@pytest.fixture
def staff(kai_program, make_user):
    return make_user(Role.MINISTRY_STAFF)


def _audit(user, **filters):
    return AuditEvent.objects.filter(object_type="auth.user", object_id=str(user.pk), **filters).order_by(
        "id"
    )


def _refused(call, **kwargs) -> dict[str, list[str]]:
    """Run a service that must refuse; returns its errors by field and checks that nothing was written."""
    users, audits = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ValidationError) as raised:
        call(**kwargs)
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, audits)
    return raised.value.message_dict


# --- names (no database) -----------------------------------------------------------------------------


def test_person_name_korean_family_name_first_without_space():
    assert person_name(User(username="hong", first_name="길동", last_name="홍")) == "홍길동"


def test_person_name_latin_given_name_first():
    assert person_name(User(username="jdoe", first_name="Jane", last_name="Doe")) == "Jane Doe"


def test_person_name_falls_back_to_username():
    assert person_name(User(username="jdoe")) == "jdoe"
    assert person_label(User(username="jdoe")) == "jdoe"


# --- create and invite -------------------------------------------------------------------------------


def test_user_invite_creates_an_account_without_password_and_mails_a_link_after_commit(
    staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        user = services.user_invite(**person(), base_url=BASE_URL, actor=staff)
        assert mail.outbox == []  # nothing leaves before the commit
    assert len(callbacks) == 1
    user.refresh_from_db()
    assert not user.has_usable_password()
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "kim.evaluator",
        "kim@tta.example.kr",
        "민준",
        "김",
    )
    assert user_roles(user) == {Role.EVALUATOR}
    assert not user.is_staff
    affiliation = Affiliation.objects.get(user=user)
    assert (affiliation.organization, affiliation.consortium, affiliation.title) == (
        org("Telecommunications Technology Association"),
        None,
        "선임연구원",
    )
    [message] = mail.outbox
    assert message.to == ["kim@tta.example.kr"]
    assert message.subject == "K-AI 포털: 계정이 준비되었습니다 / K-AI Portal: your account is ready"
    assert "김민준 님" in message.body and "Hello 김민준," in message.body
    assert "kim.evaluator" in message.body
    assert mailed_link(message.body).startswith("http://testserver/accounts/password/reset/")
    [event] = _audit(user)
    assert (event.action, event.actor_id) == ("create", staff.pk)
    assert event.before is None
    assert event.after == {
        "username": "kim.evaluator",
        "email": "kim@tta.example.kr",
        "first_name": "민준",
        "last_name": "김",
        "is_active": True,
        "is_staff": False,
        "roles": ["evaluator"],
        "organization": org("Telecommunications Technology Association").pk,
        "consortium": None,
        "title": "선임연구원",
        "has_password": False,
    }
    assert event.context["extra"] == {"invited": True}


def test_user_create_with_a_password_and_staff_get_the_admin_flag(staff):
    user = services.user_create(
        **person(
            username="park",
            email="park@msit.example.kr",
            role="ministry_staff",
            organization=org("Ministry of Science and ICT"),
            title="",
        ),
        password="a-long-and-unusual-passphrase-42",
        actor=staff,
    )
    assert user.check_password("a-long-and-unusual-passphrase-42")
    assert user.is_staff and user_roles(user) == {Role.MINISTRY_STAFF}
    assert _audit(user).get().context["extra"] == {"invited": False}


def test_user_create_member_with_team(staff):
    user = services.user_create(
        **person(
            username="lee",
            email="lee@lgresearch.example.kr",
            role="consortium_member",
            organization=org("LG AI Research"),
            consortium=team("LG"),
        ),
        password="a-long-and-unusual-passphrase-42",
        actor=staff,
    )
    assert Affiliation.objects.get(user=user).consortium == team("LG")


def test_user_create_refuses_a_weak_password_under_password(staff):
    errors = _refused(services.user_create, **person(), password="short", actor=staff)
    assert list(errors) == ["password"]
    assert "This password is too short. It must contain at least 12 characters." in errors["password"]


def test_user_create_refuses_a_taken_username_or_email_whatever_the_case(staff, make_user):
    existing = make_user(Role.EVALUATOR)
    existing.email = "Taken@Example.kr"
    existing.save()
    errors = _refused(
        services.user_invite,
        **person(username=existing.username.upper(), email="taken@example.kr"),
        base_url=BASE_URL,
        actor=staff,
    )
    assert errors == {
        "username": [f"The username “{existing.username.upper()}” is already taken."],
        "email": [
            f"The email address taken@example.kr is already used by the account “{existing.username}”."
        ],
    }


@pytest.mark.parametrize("username", ["system", "System"])
def test_user_create_refuses_the_system_actors_name(staff, username):
    """Reserved, not merely taken: on a database where the program file was never loaded, an account made
    under that name would stop the loader (system_actor_get refuses a system user that can sign in)."""
    errors = _refused(
        services.user_create, **person(username=username), password="a-long-pass-phrase-9", actor=staff
    )
    assert errors == {"username": [f"The username “{username}” is reserved."]}


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"role": "consortium_member", "organization": "LG AI Research"},
            "consortium",
            "A consortium member must belong to a team: choose their consortium.",
        ),
        (
            {"consortium": "LG"},
            "consortium",
            "Only consortium members belong to a team; leave the team empty for the role Evaluator.",
        ),
        (
            {"role": "auditor", "consortium": "LG"},
            "consortium",
            "Only consortium members belong to a team; leave the team empty for the role Auditor.",
        ),
        (
            {"role": "consortium_member", "consortium": "LG"},
            "organization",
            "한국정보통신기술협회 (Telecommunications Technology Association) is not a current partner of "
            "LG AI연구원 컨소시엄; members work at its partners.",
        ),
        ({"organization": None}, "organization", "Choose the organization the person works for."),
        (
            {"role": "superuser"},
            "role",
            "Choose one of the roles: ministry_staff, evaluator, consortium_member, auditor.",
        ),
        (
            {"first_name": " "},
            "first_name",
            "Enter the given name: pages show people by name, not by username.",
        ),
        (
            {"last_name": ""},
            "last_name",
            "Enter the family name: pages show people by name, not by username.",
        ),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"email": ""}, "email", "Enter an email address: invitations and password resets are sent there."),
        (
            {"username": "has space"},
            "username",
            "Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters.",
        ),
        ({"username": "x" * 151}, "username", "A username has at most 150 characters."),
        ({"title": "t" * 101}, "title", "A title has at most 100 characters."),
    ],
)
def test_user_invite_refuses_bad_input_naming_the_field(staff, overrides, field, message):
    values = person(**overrides)
    if isinstance(values["organization"], str):
        values["organization"] = org(values["organization"])
    if isinstance(values["consortium"], str):
        values["consortium"] = team(values["consortium"])
    errors = _refused(services.user_invite, **values, base_url=BASE_URL, actor=staff)
    assert errors == {field: [message]}


def test_user_invite_sends_nothing_when_refused(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(ValidationError):
        services.user_invite(**person(email=""), base_url=BASE_URL, actor=staff)
    assert callbacks == [] and mail.outbox == []


# --- update ------------------------------------------------------------------------------------------


def test_user_update_changes_role_and_affiliation_with_before_and_after(staff):
    user = services.user_invite(**person(), base_url=BASE_URL, actor=staff)
    updated = services.user_update(
        user=user,
        email="kim@lgresearch.example.kr",
        first_name="민준",
        last_name="김",
        role=Role.CONSORTIUM_MEMBER,
        organization=org("LG AI Research"),
        consortium=team("LG"),
        title="",
        actor=staff,
    )
    assert user_roles(updated) == {Role.CONSORTIUM_MEMBER}
    assert Affiliation.objects.get(user=user).consortium == team("LG")
    event = _audit(user, action="update").get()
    assert (event.before["roles"], event.after["roles"]) == (["evaluator"], ["consortium_member"])
    assert (event.before["consortium"], event.after["consortium"]) == (None, team("LG").pk)
    assert event.after["email"] == "kim@lgresearch.example.kr"


def test_user_update_refuses_another_accounts_email_and_staff_demoting_themselves(staff, make_user):
    other = make_user(Role.AUDITOR)
    other.email = "audit@bai.example.kr"
    other.save()
    values = {
        "email": "audit@bai.example.kr",
        "first_name": "Staff",
        "last_name": "Member",
        "role": Role.MINISTRY_STAFF,
        "organization": org("Ministry of Science and ICT"),
        "title": "",
    }
    errors = _refused(services.user_update, user=staff, actor=staff, **values)
    assert list(errors) == ["email"]
    errors = _refused(
        services.user_update,
        user=staff,
        actor=staff,
        **{**values, "email": "s@msit.kr", "role": Role.AUDITOR},
    )
    assert errors == {
        "role": ["You cannot take the ministry staff role from your own account; ask other staff."]
    }


# --- deactivate / reactivate ---------------------------------------------------------------------------


def test_user_deactivate_revokes_every_active_token_in_the_same_transaction(staff, make_user):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    first, _ = api_token_create(user=user, name="export", created_by=staff)
    second, _ = api_token_create(user=user, name="script", created_by=staff)
    old, _ = api_token_create(user=user, name="old", created_by=staff)
    api_token_revoke(token=old, actor=staff)
    revoked_at = ApiToken.objects.get(pk=old.pk).revoked_at

    services.user_deactivate(user=user, actor=staff)

    user.refresh_from_db()
    assert not user.is_active
    tokens = {t.pk: t for t in ApiToken.objects.filter(user=user)}
    assert all(t.revoked_at is not None for t in tokens.values())
    assert tokens[old.pk].revoked_at == revoked_at  # already revoked: left as it was
    event = _audit(user, action="update").get()
    assert (event.before["is_active"], event.after["is_active"]) == (True, False)
    assert event.context["extra"] == {"event": "deactivated", "tokens_revoked": [first.prefix, second.prefix]}
    token_events = AuditEvent.objects.filter(
        object_type="common.apitoken", object_id__in=[first.pk, second.pk]
    )
    assert token_events.filter(action="update").count() == 2


def test_user_deactivate_rolls_back_the_token_revocation_when_it_fails(staff, make_user, monkeypatch):
    user = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    token, _ = api_token_create(user=user, name="export", created_by=staff)
    real = services.audit_record

    def failing(**kwargs):
        if (kwargs.get("extra") or {}).get("event") == "deactivated":
            raise RuntimeError("audit store down")
        return real(**kwargs)

    monkeypatch.setattr(services, "audit_record", failing)
    with pytest.raises(RuntimeError):
        services.user_deactivate(user=user, actor=staff)
    user.refresh_from_db()
    assert user.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_user_deactivate_refuses_oneself_and_an_inactive_account(staff, make_user):
    with pytest.raises(ValidationError, match="You cannot deactivate your own account."):
        services.user_deactivate(user=staff, actor=staff)
    user = make_user(Role.EVALUATOR)
    services.user_deactivate(user=user, actor=staff)
    with pytest.raises(ValidationError, match=f"{user.username} is already deactivated."):
        services.user_deactivate(user=user, actor=staff)


def test_user_reactivate_lets_the_person_back_in_with_tokens_still_revoked(staff, make_user):
    user = make_user(Role.EVALUATOR)
    token, _ = api_token_create(user=user, name="t", created_by=staff)
    services.user_deactivate(user=user, actor=staff)
    services.user_reactivate(user=user, actor=staff)
    user.refresh_from_db()
    assert user.is_active
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    with pytest.raises(ValidationError, match="is already active"):
        services.user_reactivate(user=user, actor=staff)


# --- password links ------------------------------------------------------------------------------------


def test_password_link_for_an_account_with_a_password_is_a_reset_mail(
    staff, make_user, django_capture_on_commit_callbacks
):
    user = make_user(Role.EVALUATOR)
    user.email, user.first_name, user.last_name = "e@tta.example.kr", "Jane", "Doe"
    user.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.user_password_link_send(user=user, base_url=BASE_URL, actor=staff)
    [message] = mail.outbox
    assert message.subject == "K-AI 포털: 새 비밀번호 설정 / K-AI Portal: set a new password"
    assert "Hello Jane Doe," in message.body
    assert user.check_password("not-a-real-password-1234")  # unchanged until the link is used
    event = _audit(user, action="update").get()
    assert event.context["extra"] == {
        "event": "password_link_sent",
        "to": "e@tta.example.kr",
        "invitation": False,
    }


def test_password_link_refused_for_a_deactivated_account_or_one_without_email(staff, make_user):
    user = make_user(Role.EVALUATOR)
    errors = _refused(services.user_password_link_send, user=user, base_url=BASE_URL, actor=staff)
    assert errors == {"email": [f"{user.username} has no email address; add one first."]}
    user.email = "x@example.kr"
    user.save()
    services.user_deactivate(user=user, actor=staff)
    with pytest.raises(ValidationError, match="reactivate the account before sending a password link"):
        services.user_password_link_send(user=user, base_url=BASE_URL, actor=staff)


def test_the_mail_task_skips_an_account_deactivated_before_it_ran(staff, make_user):
    from consortia.tasks import send_password_link

    user = make_user(Role.EVALUATOR)
    user.email = "x@example.kr"
    user.is_active = False
    user.save()
    assert send_password_link(user_id=user.pk, base_url=BASE_URL) is False
    assert mail.outbox == []


# --- list and filters ----------------------------------------------------------------------------------


def test_user_filterset_by_role_status_team_and_text(staff, make_user):
    evaluator = make_user(Role.EVALUATOR, organization="KAIST")
    member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    gone = make_user(Role.EVALUATOR)
    services.user_deactivate(user=gone, actor=staff)

    def names(params):
        return sorted(u.username for u in UserFilterSet(params, queryset=user_list()).qs)

    assert names({"role": ["evaluator"]}) == sorted([evaluator.username, gone.username])
    assert names({"role": ["evaluator", "consortium_member"], "is_active": "true"}) == sorted(
        [evaluator.username, member.username]
    )
    assert names({"is_active": "false"}) == [gone.username]
    assert names({"consortium": "LG"}) == [member.username]
    assert names({"q": "KAIST"}) == [evaluator.username]


def test_user_list_annotates_last_api_use_and_active_tokens_without_multiplying_rows(staff, make_user):
    user = make_user(Role.EVALUATOR)
    for name in ("a", "b"):
        api_token_create(user=user, name=name, created_by=staff)
    rows = list(UserFilterSet({"role": ["evaluator", "auditor"]}, queryset=user_list()).qs)
    assert [(r.pk, r.active_token_count, r.last_api_use) for r in rows] == [(user.pk, 2, None)]
