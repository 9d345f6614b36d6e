"""A small budget world built from factories (tests/factories.py), not from the program file, so each test
states its own numbers.

Two active teams (ALPHA, BETA) and a departed one (GONE), a phase P1 with its result on 2026-01-15, a GPU
line, data lines with a ₩5bn per-team cap on data processing, and users of every role.

Transactional tests end with pytest-django flushing every table, which the audit table refuses by
trigger; tests/conftest.py's teardown hook lets that flush through.
"""

from __future__ import annotations

import datetime as dt

import pytest

from budget.models import Category
from common.roles import Role
from consortia.models import Consortium
from evaluations.models import Phase
from tests.factories import (
    BudgetLineFactory,
    CategoryCapFactory,
    ConsortiumFactory,
    OrganizationFactory,
    PhaseFactory,
    ProgramFactory,
)
from tests.helpers import BN


@pytest.fixture
def program(db):
    return ProgramFactory(code="T-PROG", name_ko="테스트 프로그램", name_en="Test program")


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
    return {name: OrganizationFactory(name_en=name) for name in names}


@pytest.fixture
def teams(program, organizations):
    return {
        "ALPHA": ConsortiumFactory(program=program, code="ALPHA", lead=organizations["Alpha Labs"]),
        "BETA": ConsortiumFactory(program=program, code="BETA", lead=organizations["Beta Corp"]),
        "GONE": ConsortiumFactory(
            program=program,
            code="GONE",
            lead=organizations["Gone Inc"],
            status=Consortium.Status.WITHDRAWN,
            left_on=dt.date(2025, 10, 1),
        ),
    }


@pytest.fixture
def phase(program):
    return PhaseFactory(
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
    def line(code, category, amount):
        return BudgetLineFactory(program=program, code=code, category=category, amount_krw=amount)

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
        "processing": CategoryCapFactory(
            program=program, category=Category.DATA_PROCESSING, per_team_amount_krw=5 * BN
        ),
        "purchase": CategoryCapFactory(
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
