"""A small budget world built directly (not from the program file), so each test states its own numbers.

Two active teams (ALPHA, BETA) and a departed one (GONE), a phase P1 with its result on 2026-01-15, a GPU
line, data lines with a ₩5bn per-team cap on data processing, and users of every role.

Transactional (PostgreSQL) tests end with pytest-django flushing every table, which the audit table
refuses by trigger (common/migrations/0004). As in tests/e2e/conftest.py, the teardown hook below lets
that flush through for this session only, then restores the triggers; the database keeps them.
"""

from __future__ import annotations

import datetime as dt

import pytest

from budget.models import BudgetLine, Category, CategoryCap
from common.roles import Role
from consortia.models import Consortium, Organization, Program
from evaluations.models import Phase

BN = 1_000_000_000  # ₩1bn


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    from django.db import connection
    from pytest_django.plugin import blocking_manager_key

    marker = item.get_closest_marker("django_db")
    transactional = "transactional_db" in getattr(item, "fixturenames", ()) or bool(
        marker and marker.kwargs.get("transaction")
    )
    guarded = transactional and connection.vendor == "postgresql"
    blocker = item.config.stash[blocking_manager_key]
    if guarded:
        with blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    try:
        yield
    finally:
        if guarded and nextitem is not None:
            with blocker.unblock(), connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")


@pytest.fixture
def program(db):
    return Program.objects.create(
        code="T-PROG",
        name_ko="테스트 프로그램",
        name_en="Test program",
        ministry="MSIT",
        start_date=dt.date(2025, 8, 4),
    )


@pytest.fixture
def organizations(db):
    names = [
        "Ministry of Science and ICT",
        "Board of Audit and Inspection",
        "KAIST",
        "Alpha Labs",
        "Beta Corp",
        "Gone Inc",
    ]
    return {
        name: Organization.objects.get_or_create(name_en=name, defaults={"name_ko": name, "kind": "company"})[
            0
        ]
        for name in names
    }


def _team(program, lead, code, **extra):
    return Consortium.objects.create(
        program=program,
        code=code,
        name=f"{code} consortium",
        lead=lead,
        joined_on=dt.date(2025, 8, 4),
        **extra,
    )


@pytest.fixture
def teams(program, organizations):
    return {
        "ALPHA": _team(program, organizations["Alpha Labs"], "ALPHA"),
        "BETA": _team(program, organizations["Beta Corp"], "BETA"),
        "GONE": _team(
            program,
            organizations["Gone Inc"],
            "GONE",
            status=Consortium.Status.WITHDRAWN,
            left_on=dt.date(2025, 10, 1),
        ),
    }


@pytest.fixture
def phase(program):
    return Phase.objects.create(
        program=program,
        code="P1",
        order=1,
        name="Phase 1",
        evaluation_start=dt.date(2026, 1, 5),
        result_on=dt.date(2026, 1, 15),
        status=Phase.Status.EVALUATING,
        teams_in=2,
        teams_advancing=1,
    )


@pytest.fixture
def lines(program):
    def line(code, category, amount, year=2025):
        return BudgetLine.objects.create(
            program=program, code=code, name=code, fiscal_year=year, category=category, amount_krw=amount
        )

    return {
        "gpu": line("GPU", Category.GPU, 157_600_000_000),
        "processing": line("PROC", Category.DATA_PROCESSING, 30 * BN),
        "processing_extra": line("PROC-EXTRA", Category.DATA_PROCESSING, 10 * BN),
        "purchase": line("PURCHASE", Category.DATA_PURCHASE, 30 * BN),
        "talent": line("TALENT", Category.TALENT_MATCHING, 5 * BN),
    }


@pytest.fixture
def caps(program):
    return {
        "processing": CategoryCap.objects.create(
            program=program, category=Category.DATA_PROCESSING, per_team_amount_krw=5 * BN
        ),
        "purchase": CategoryCap.objects.create(
            program=program, category=Category.DATA_PURCHASE, per_team_amount_krw=10 * BN
        ),
    }


@pytest.fixture
def users(make_user, teams, organizations):
    return {
        "staff": make_user(Role.MINISTRY_STAFF),
        "staff2": make_user(Role.MINISTRY_STAFF),
        "auditor": make_user(Role.AUDITOR, organization="Board of Audit and Inspection"),
        "evaluator": make_user(Role.EVALUATOR, organization="KAIST"),
        "alpha": make_user(Role.CONSORTIUM_MEMBER, organization="Alpha Labs", consortium="ALPHA"),
        "beta": make_user(Role.CONSORTIUM_MEMBER, organization="Beta Corp", consortium="BETA"),
    }


@pytest.fixture
def world(teams, phase, lines, caps, users):
    """Everything above, as one namespace-like dict."""
    return {"teams": teams, "phase": phase, "lines": lines, "caps": caps, "users": users}
