"""Fixtures the whole suite shares. Shared helpers (no fixtures) live in plain modules beside this one:
tests/helpers.py, tests/p2_data.py, tests/factories.py (synthetic worlds) and tests/shipped_program.py.

The shipped program file (``kai_program``) is loaded once, not once per test
-----------------------------------------------------------------------------
Loading portal/fixtures/kai_program.yaml takes seconds; a test body takes milliseconds. So:

* Non-transactional tests that ask for ``kai_program`` share one load, made in an outer transaction that is
  never committed (tests/shipped_program.py: SharedProgramTransaction). pytest-django's per-test atomic
  block nests inside it as a savepoint, so every test starts from the freshly loaded program and rolls back
  to it. Tests are ordered so that these run one after another (pytest_collection_modifyitems below): the
  file is loaded once per test process (each of the two pytest-xdist workers has its own test database).
* Every other database test runs with that outer transaction rolled back, on a database as empty as
  migrations left it, exactly as before: tests that build their own small world (tests/factories.py, e.g.
  tests/budget's "T-PROG") and the loader tests (tests/program_file) see no second program.
* Transactional tests (``transaction=True``, ``transactional_db``, ``live_server``: e2e, tests/reliability,
  the concurrency tests) commit for real and pytest-django flushes every table after each; there
  ``kai_program`` loads the file again when it is absent.

The switch between the two states happens in ``_shipped_program_scope``, which pytest-django's per-test
database fixture (``_django_db_helper``, overridden below) requests before it opens the test's own atomic
block. The Django cache is emptied before every database test: cached figures are keyed by row ids, and
ids repeat once a test's rows are rolled back.
"""

from __future__ import annotations

import itertools
import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from common.roles import Role
from common.services import user_set_roles
from consortia.models import Consortium, Organization
from consortia.services import affiliation_set
from evaluations import services as evaluation_services
from evaluations.models import Benchmark, Phase, PhaseBenchmark, ScoreSheet, TargetModel
from tests import shipped_program
from tests.helpers import ROLE_USERS, caches_clear
from tests.p2_data import EVALUATOR_ORG, LEADS, P2_DATA, p2_component, p2_criteria, p2_gate, team

_counter = itertools.count()


def _is_transactional(node, fixturenames) -> bool:
    """Whether pytest-django runs this test as a TransactionTestCase (its own rule, plugin.py/fixtures.py)."""
    marker = node.get_closest_marker("django_db")
    if marker is not None:
        kwargs = marker.kwargs
        if kwargs.get("transaction") or kwargs.get("reset_sequences"):
            return True
    return any(
        name in fixturenames for name in ("transactional_db", "live_server", "django_db_reset_sequences")
    )


def _shares_the_program(node, fixturenames) -> bool:
    return "kai_program" in fixturenames and not _is_transactional(node, fixturenames)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the tests that share the loaded program one after another, so it is loaded once.

    pytest-django has already put database tests first, then transactional ones, then the rest; within the
    first group, the tests that ask for ``kai_program`` go first. The sort is stable and only database
    tests share the program, so every other test keeps its place and pytest-django's groups stay whole."""
    items.sort(key=lambda item: not _shares_the_program(item, getattr(item, "fixturenames", ())))


@pytest.fixture(scope="session", autouse=True)
def _media_root_per_xdist_worker():
    """Under pytest-xdist (``-n`` in pyproject.toml's addopts) each worker stores uploads in a folder of its
    own: tests compare the files present before and after a refused upload, and the workers' databases
    hand out the same ids (so the same paths)."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        yield
        return
    from django.conf import settings
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=settings.MEDIA_ROOT / worker):
        yield


@pytest.fixture(scope="session")
def _shipped_program_session(django_db_setup, django_db_blocker):
    shared = shipped_program.SharedProgramTransaction()
    yield shared
    with django_db_blocker.unblock():
        shared.close()


@pytest.fixture
def _shipped_program_scope(request, _shipped_program_session, django_db_blocker):
    """Before the test's own atomic block: the shared program loaded (for a non-transactional test that asks
    for ``kai_program``) or rolled back (for every other database test); and an empty cache."""
    with django_db_blocker.unblock():
        if _shares_the_program(request.node, request.fixturenames):
            _shipped_program_session.open()
        else:
            _shipped_program_session.close()
    caches_clear()


@pytest.fixture
def _django_db_helper(_shipped_program_scope, _django_db_helper):
    """pytest-django's per-test database set-up (requested by ``db``, ``transactional_db`` and the
    ``django_db`` mark), here entered only after ``_shipped_program_scope``."""
    return _django_db_helper


@pytest.fixture
def program_data() -> dict:
    """A fresh copy of the shipped program file, safe to modify per test."""
    return shipped_program.program_data()


@pytest.fixture
def kai_program(db):
    """The shipped program in the test database (see the module docstring for how it is shared)."""
    program = shipped_program.shipped_program()
    if program is None:
        # A transactional test after another one's flush (or a test that asked for this fixture late).
        program = shipped_program.shipped_program_load()
    return program


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


# --- people and P2 of the shipped program, shared by several test directories -------------------------


@pytest.fixture
def staff(kai_program, make_user):
    """A ministry staff user."""
    return make_user(Role.MINISTRY_STAFF)


@pytest.fixture
def make_evaluator(kai_program, make_user):
    """make_evaluator(organization="National Information Society Agency") -> an evaluator."""

    def factory(organization: str = EVALUATOR_ORG):
        return make_user(Role.EVALUATOR, organization=organization)

    return factory


@pytest.fixture
def role_users(kai_program, make_user):
    """One user per role (tests.helpers.ROLE_USERS), each with the affiliation the role implies."""
    return {
        role: make_user(role, organization=org, consortium=code) for role, (org, code) in ROLE_USERS.items()
    }


@pytest.fixture
def api_as(role_users):
    """api_as(role) -> an APIClient authenticated as that role's user (None = anonymous)."""

    def factory(role: Role | None) -> APIClient:
        # English messages, so tests can assert them; without the header the API answers in Korean.
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if role is not None:
            client.force_authenticate(role_users[role])
        return client

    return factory


@pytest.fixture
def p2(kai_program) -> Phase:
    """P2 as shipped: open, rubric benchmark (common) / expert (evaluators) / user (panel), originality gate;
    participants LG, SKT, UPSTAGE, MOTIF. The shipped illustrative benchmark set and target models are
    cleared, so each test states its own (see p2_ready)."""
    phase = Phase.objects.get(code="P2")
    PhaseBenchmark.objects.filter(phase=phase).delete()
    TargetModel.objects.filter(phase=phase).delete()
    return phase


@pytest.fixture
def p2_ready(p2, staff):
    """P2 with a two-benchmark common set and every team's target model declared (DeepSeek-V3.2)."""
    for code in ("MMLU-Pro", "GPQA-Diamond"):
        evaluation_services.phase_benchmark_add(
            phase=p2, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff
        )
    for code in LEADS:
        evaluation_services.target_model_set(
            phase=p2, consortium=team(code), reference_model="DeepSeek-V3.2", actor=staff
        )
    return Phase.objects.get(pk=p2.pk)


@pytest.fixture
def p2_complete(p2_ready, staff, make_user, make_evaluator):
    """P2 with every input in (uploads, one submitted sheet per team, user panel, originality passed),
    moved to evaluating. Returns {"phase", "evaluators": {code: user}, "sheets": {code: ScoreSheet}}."""
    evaluators, sheets = {}, {}
    for code, (bench, _expert, _user) in P2_DATA.items():
        member = make_user(Role.CONSORTIUM_MEMBER, organization=LEADS[code], consortium=code)
        body = f"benchmark,score\nMMLU-Pro,{bench[0]}\nGPQA-Diamond,{bench[1]}\n".encode()
        evaluation_services.result_upload_create(
            phase=p2_ready, consortium=team(code), file=SimpleUploadedFile("r.csv", body), actor=member
        )
    evaluation_services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    for code, (_bench, expert, user_points) in P2_DATA.items():
        evaluator = make_evaluator()
        assignment = evaluation_services.evaluator_assign(
            phase=p2_ready, consortium=team(code), evaluator=evaluator, actor=staff
        )
        sheet = ScoreSheet.objects.get(assignment=assignment)
        scores = [
            evaluation_services.ScoreInput(c.pk, Decimal(p), "ok")
            for c, p in zip(p2_criteria(), expert, strict=True)
        ]
        sheets[code] = evaluation_services.score_sheet_save(
            sheet=sheet, actor=evaluator, expected_version=sheet.version, scores=scores, submit=True
        )
        evaluators[code] = evaluator
        evaluation_services.panel_result_record(
            phase=p2_ready,
            consortium=team(code),
            component=p2_component("user"),
            points=Decimal(user_points),
            panel_size=49,
            actor=staff,
        )
        evaluation_services.gate_result_record(
            gate=p2_gate(), consortium=team(code), passed=True, reason="", actor=staff
        )
    return {"phase": Phase.objects.get(pk=p2_ready.pk), "evaluators": evaluators, "sheets": sheets}


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
    if transactional and vendor == "sqlite":
        # A test skipped before its database was set up (a PostgreSQL-only test on SQLite, the first of a
        # run) leaves no audit table whose triggers could be dropped or put back.
        with blocker.unblock():
            transactional = "common_auditevent" in connection.introspection.table_names()
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


@pytest.fixture
def loose_throttle(monkeypatch):
    """For tests whose point is many API calls (the schema fuzz, the generated client's downloads): the
    fair-use throttle has its own tests."""
    from common.throttling import TokenRateThrottle

    monkeypatch.setattr(TokenRateThrottle, "THROTTLE_RATES", {"token": "100000/minute"})
