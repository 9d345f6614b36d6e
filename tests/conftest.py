from __future__ import annotations

import itertools

import pytest
from django.contrib.auth import get_user_model

from common.roles import Role
from common.services import user_set_roles
from consortia.models import Consortium, Organization
from consortia.services import affiliation_set
from portal.program_loader import DEFAULT_PROGRAM_FILE, program_file_read, program_load

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

    def factory(
        role: Role | None, organization: str = "Ministry of Science and ICT", consortium: str | None = None
    ):
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Let pytest-django's flush after a transactional test empty the append-only audit table.

    The audit table refuses UPDATE, DELETE and TRUNCATE by trigger (common/migrations/0004), and a
    transactional test ends with a flush that truncates every table. Around the teardown only:
    PostgreSQL - the flushing session ignores ordinary triggers (session_replication_role = replica;
    Django closes that connection right after the flush, and the role is reset for the next test);
    SQLite - the row triggers are dropped and put back once the table is empty. The database keeps its
    triggers; every test body runs with them.
    """
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in names for name in ("transactional_db", "live_server")
    )
    # Browser tests keep Playwright's event loop open until their own fixtures are torn down, and Django
    # refuses queries while it runs; tests/e2e/conftest.py lets their flush through from inside a fixture.
    if item.get_closest_marker("e2e"):
        transactional = False
    blocker = item.config.stash[blocking_manager_key]
    vendor = connection.vendor
    if transactional:
        with blocker.unblock(), connection.cursor() as cursor:
            if vendor == "postgresql":
                cursor.execute("SET session_replication_role = replica")
            elif vendor == "sqlite":
                for statement in _sqlite_audit_triggers().SQLITE_REVERSE:
                    cursor.execute(statement)
    try:
        yield
    finally:
        # After the last test the test database is being torn down: nothing left to restore.
        if transactional and nextitem is not None:
            with blocker.unblock(), connection.cursor() as cursor:
                if vendor == "postgresql":
                    cursor.execute("RESET session_replication_role")
                elif vendor == "sqlite":
                    for statement in _sqlite_audit_triggers().SQLITE_FORWARD:
                        cursor.execute(statement)


def _sqlite_audit_triggers():
    import importlib

    return importlib.import_module("common.migrations.0004_audit_event_append_only")
