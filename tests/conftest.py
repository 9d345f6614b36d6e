from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model

from common.roles import Role
from common.services import user_set_roles
from consortia.models import Consortium, Organization
from consortia.program_loader import DEFAULT_PROGRAM_FILE, program_file_read, program_load
from consortia.services import affiliation_set

_counter = itertools.count()


@pytest.fixture
def program_data() -> dict:
    """A fresh copy of the shipped program file, safe to modify per test."""
    return program_file_read(DEFAULT_PROGRAM_FILE)


@pytest.fixture
def kai_program(db, program_data):
    """The real program loaded into the test database."""
    program_load(data=program_data)
    return Consortium.objects.get(code="LG").program


@pytest.fixture
def make_user(db):
    """make_user(role, organization="KAIST", consortium=None) -> a user with that role and affiliation."""

    def factory(role: Role | None, organization: str = "Ministry of Science and ICT", consortium: str | None = None):
        user = get_user_model().objects.create_user(
            username=f"user{next(_counter)}", password="not-a-real-password-1234"
        )
        if role is not None:
            user_set_roles(user=user, roles=[role])
        org = Organization.objects.get(name_en=organization)
        team = Consortium.objects.get(code=consortium) if consortium else None
        affiliation_set(user=user, organization=org, consortium=team)
        return user

    return factory


@pytest.fixture(autouse=True)
def english_messages():
    """Domain error messages are asserted in English; HTTP tests still get Korean via LocaleMiddleware."""
    from django.utils import translation

    with translation.override("en"):
        yield
