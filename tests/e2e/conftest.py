"""Real-browser tests: Playwright (sync API) driving Debian's Chromium against pytest-django's live_server.

No downloaded browser: pytest-playwright's fixtures would want one, so these small fixtures launch
/usr/bin/chromium themselves with a fresh profile. Without that binary every e2e test is skipped with the
reason below (CI installs it, see .ci/run).

Playwright's sync API keeps an asyncio loop registered on this thread while a browser is open, and Django
refuses ORM calls when it sees one (SynchronousOnlyOperation); Playwright's greenlet switching also leaves
such calls on a separate, never-closed connection. So every database read and write of a test happens in
fixtures that the browser fixture requests, before Chromium starts; tests only drive the browser.

That flush empties every table, but the audit table refuses DELETE and TRUNCATE by trigger (see
common/migrations/0004); _audit_flush_guard lets the flush through for these tests only.
"""

from __future__ import annotations

import importlib
import shutil
import tempfile
from collections.abc import Iterator

import pytest

from common.roles import Role
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, PortalUser, user_create, user_get
from tests.p2_data import EVALUATOR_ORG, LEADS, complete_p2, expert_criteria


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(
        reason=f"{CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (CI does)"
    )
    for item in items:
        if "e2e" in item.keywords and not CHROMIUM.exists():
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _audit_flush_guard(transactional_db):
    """Let pytest-django's flush after this test empty the append-only audit table.

    Set up after the database fixture and before the browser (which requests it), this is torn down after
    the browser has closed and just before the flush, on the connection the flush will use.
    PostgreSQL: this session ignores ordinary triggers; Django closes the connection right after the flush
    of a transactional test, so the setting never outlives it. SQLite: drop the row triggers, empty the table
    and put the triggers back, so the flush finds nothing to delete. The database itself keeps its triggers.
    """
    from django.db import connection

    yield
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
    elif connection.vendor == "sqlite":
        migration = importlib.import_module("common.migrations.0004_audit_event_append_only")
        with connection.cursor() as cursor:
            for statement in migration.SQLITE_REVERSE:
                cursor.execute(statement)
            cursor.execute("DELETE FROM common_auditevent")
            for statement in migration.SQLITE_FORWARD:
                cursor.execute(statement)


@pytest.fixture
def e2e_users(kai_program) -> dict[Role, PortalUser]:
    """One user per role, each with a real password (tests.e2e.browser.PASSWORD) and the affiliation the role
    implies. (tests/conftest.py's role_users are User rows for the test client; these log in for real.)"""
    plan = {
        Role.MINISTRY_STAFF: ("e2e_ministry", "Ministry of Science and ICT", None),
        Role.EVALUATOR: ("e2e_evaluator", "Telecommunications Technology Association", None),
        Role.CONSORTIUM_MEMBER: ("e2e_member", "LG AI Research", "LG"),
        Role.AUDITOR: ("e2e_auditor", "Board of Audit and Inspection", None),
    }
    users = {}
    for role, (username, organization, consortium) in plan.items():
        user_create(username, role, organization, consortium)
        users[role] = PortalUser(username=username, password=PASSWORD, role=role)
    return users


@pytest.fixture
def detail_paths(kai_program) -> dict[str, str]:
    """Consortium code -> path of its detail page, read before the browser starts."""
    return {team.code: f"/consortia/{team.pk}/" for team in kai_program.consortia.all()}


@pytest.fixture
def assigned_sheet(e2e_users) -> dict:
    """e2e_evaluator assigned to LG in P2; the sheet's path and the expert criteria's ids and maxima."""
    from consortia.models import Consortium
    from evaluations import services
    from evaluations.models import Phase, ScoreSheet

    phase = Phase.objects.get(code="P2")
    assignment = services.evaluator_assign(
        phase=phase,
        consortium=Consortium.objects.get(code="LG"),
        evaluator=user_get(e2e_users[Role.EVALUATOR].username),
        actor=user_get(e2e_users[Role.MINISTRY_STAFF].username),
    )
    sheet = ScoreSheet.objects.get(assignment=assignment)
    return {
        "path": f"/evaluations/sheets/{sheet.pk}/",
        "criteria": [(c.pk, c.max_points) for c in expert_criteria(phase)],
    }


@pytest.fixture
def complete_phase(e2e_users) -> dict:
    """P2 with every input in, moved to evaluating, through the services (tests.p2_data.complete_p2)."""
    from consortia.models import Consortium
    from evaluations.models import Phase

    members = {
        code: user_create(f"e2e_member_{code.lower()}", Role.CONSORTIUM_MEMBER, org, code)
        for code, org in LEADS.items()
    }
    evaluators = {
        code: user_create(f"e2e_eval_{code.lower()}", Role.EVALUATOR, EVALUATOR_ORG) for code in LEADS
    }
    complete_p2(
        staff=user_get(e2e_users[Role.MINISTRY_STAFF].username), members=members, evaluators=evaluators
    )
    return {
        "path": f"/evaluations/phases/{Phase.objects.get(code='P2').pk}/",
        "motif": Consortium.objects.get(code="MOTIF").name,
        "advancing": [Consortium.objects.get(code=c).name for c in ("LG", "SKT", "UPSTAGE")],
    }


@pytest.fixture
def browser(_audit_flush_guard, e2e_users, detail_paths) -> Iterator:
    """Chromium, started only after every database fixture above (see the module docstring)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="kai-e2e-chromium-")
    try:
        with sync_playwright() as playwright:
            # A persistent context is the way to give Chromium a fresh user-data dir of our own.
            context = playwright.chromium.launch_persistent_context(
                profile,
                executable_path=str(CHROMIUM),
                args=CHROMIUM_ARGS,
                headless=True,
                locale="ko-KR",
                timezone_id="Asia/Seoul",
                viewport={"width": 1280, "height": 900},
            )
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def page(browser, live_server):
    """A tab on the live server that fails the test on any CSP violation or script error."""
    problems: list[str] = []
    tab = browser.new_page()
    tab.set_default_timeout(15_000)
    tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    tab.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error" or "Content Security Policy" in message.text
            else None
        ),
    )
    tab.base_url = live_server.url  # type: ignore[attr-defined]
    yield tab
    tab.close()
    assert problems == [], problems
