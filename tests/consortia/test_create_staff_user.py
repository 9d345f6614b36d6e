"""`manage.py create_staff_user`: the first ministry staff account of a fresh stack, made by the accounts
service (checked and audited as on the Users page), with a password printed once or typed twice."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from common.models import AuditEvent
from common.roles import Role, user_roles
from common.services import SYSTEM_USERNAME
from consortia.models import Affiliation, Organization

User = get_user_model()
PERSON = ["kim", "--email", "kim@msit.go.kr", "--first-name", "정민", "--last-name", "김"]


def _create(*args: str) -> str:
    out = StringIO()
    call_command("create_staff_user", *args, stdout=out)
    return out.getvalue()


def _refused(*args: str) -> str:
    users, audits = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(CommandError) as raised:
        _create(*args)
    assert (User.objects.count(), AuditEvent.objects.count()) == (users, audits)
    return str(raised.value)


def test_create_staff_user_prints_a_password_that_signs_the_person_in(kai_program):
    out = _create(*PERSON, "--title", "사무관")
    password = next(line for line in out.splitlines() if line.startswith("Password")).split(": ", 1)[1]
    user = authenticate(username="kim", password=password)
    assert user is not None and user.is_active and user.is_staff and not user.is_superuser
    assert user_roles(user) == {Role.MINISTRY_STAFF}
    assert (user.email, user.first_name, user.last_name) == ("kim@msit.go.kr", "정민", "김")
    affiliation = Affiliation.objects.get(user=user)
    assert (affiliation.organization.name_en, affiliation.consortium, affiliation.title) == (
        "Ministry of Science and ICT",
        None,
        "사무관",
    )
    assert "Created the ministry staff user 'kim' (Ministry of Science and ICT)." in out


def test_create_staff_user_is_audited_as_the_system_actor(kai_program):
    _create(*PERSON)
    user = User.objects.get(username="kim")
    event = AuditEvent.objects.get(object_type="auth.user", object_id=str(user.pk))
    assert (event.action, event.actor_username) == ("create", SYSTEM_USERNAME)
    assert event.after["roles"] == [Role.MINISTRY_STAFF.value] and event.after["has_password"] is True
    assert "password" not in event.after


def test_create_staff_user_takes_the_organization_by_korean_or_english_name(kai_program):
    _create(*PERSON, "--organization", "Board of Audit and Inspection")
    assert (
        Affiliation.objects.get(user__username="kim").organization.name_en == "Board of Audit and Inspection"
    )
    ministry = Organization.objects.get(name_en="Ministry of Science and ICT")
    _create(
        "lee",
        "--email",
        "lee@msit.go.kr",
        "--first-name",
        "서연",
        "--last-name",
        "이",
        "--organization",
        ministry.name_ko,
    )
    assert Affiliation.objects.get(user__username="lee").organization == ministry


def test_create_staff_user_refusals_name_the_option_and_create_nothing(kai_program):
    _create(*PERSON)
    message = _refused("kim", "--email", "not-an-address", "--first-name", " ", "--last-name", "김")
    assert message.startswith("Nothing was created:")
    assert "username: The username “kim” is already taken." in message
    assert "--email: Enter a valid email address." in message
    assert "--first-name: Enter the given name" in message


def test_create_staff_user_refuses_the_reserved_system_name(kai_program):
    message = _refused("system", "--email", "s@msit.go.kr", "--first-name", "a", "--last-name", "b")
    assert "username: The username “system” is reserved." in message


def test_create_staff_user_before_the_program_is_loaded_says_to_load_it(kai_program):
    message = _refused(*PERSON, "--organization", "No Such Ministry")
    assert "--organization: no organization is named 'No Such Ministry'" in message
    assert "python manage.py load_kai_program" in message


def test_create_staff_user_asks_twice_for_a_typed_password(kai_program, monkeypatch):
    answers = iter(["correct horse battery", "correct horse battery"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    out = _create(*PERSON, "--ask-password")
    assert "Password" not in out
    assert authenticate(username="kim", password="correct horse battery") is not None


def test_create_staff_user_refuses_two_different_typed_passwords(kai_program, monkeypatch):
    answers = iter(["correct horse battery", "correct horse batterz"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert "the two entries differ" in _refused(*PERSON, "--ask-password")


def test_create_staff_user_refuses_a_typed_password_the_validators_refuse(kai_program, monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt: "short")
    assert "password: This password is too short." in _refused(*PERSON, "--ask-password")
