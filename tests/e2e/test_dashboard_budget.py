"""The dashboard's live parts, the budget pages and the audit trail in a real browser (Korean, the default).

As conftest.py explains, the database is prepared in fixtures before Chromium starts. The one write made
while the browser is open (the worker's recompute, in the polling test) runs in a thread of its own, where
Django sees no asyncio loop, exactly as a Celery worker would write it.
"""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from playwright.sync_api import expect

from common.roles import Role
from tests.e2e.browser import SCREENSHOT_DIR, log_in, screenshots_wanted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def budget_data(e2e_users) -> dict:
    """Ids the tests select by, a second ministry user, some spending and the audit events it leaves."""
    from django.contrib.auth import get_user_model

    from budget import services
    from budget.models import BudgetLine
    from common.services import user_set_roles
    from consortia.models import Consortium

    staff = get_user_model().objects.get(username=e2e_users[Role.MINISTRY_STAFF].username)
    member = get_user_model().objects.get(username=e2e_users[Role.CONSORTIUM_MEMBER].username)
    second = get_user_model().objects.create_user(username="e2e_ministry_2", password="unused-password-123")
    user_set_roles(user=second, roles=[Role.MINISTRY_STAFF])
    data_line = BudgetLine.objects.get(code="FY25-DATA")
    lg, upstage = Consortium.objects.get(code="LG"), Consortium.objects.get(code="UPSTAGE")
    allocation = services.allocation_create(
        line=data_line,
        consortium=upstage,
        amount_krw=3_000_000_000,
        period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2025, 12, 31),
        actor=staff,
    )
    own = services.allocation_create(
        line=data_line,
        consortium=lg,
        amount_krw=2_000_000_000,
        period_start=dt.date(2025, 9, 1),
        period_end=dt.date(2025, 12, 31),
        actor=second,
    )
    first = services.execution_record(
        allocation=own,
        spent_on=dt.date(2025, 10, 14),
        amount_krw=1_200_000_000,
        description="뉴스 기사 말뭉치 구매",
        actor=member,
    )
    services.execution_approve(execution=first, actor=staff)
    services.execution_record(
        allocation=own,
        spent_on=dt.date(2025, 11, 20),
        amount_krw=350_000_000,
        description="도서 데이터 라이선스",
        actor=member,
    )
    services.execution_record(
        allocation=allocation,
        spent_on=dt.date(2025, 12, 2),
        amount_krw=500_000_000,
        description="공공 데이터 가공",
        actor=staff,
    )
    return {"data_line": data_line.pk, "lg": lg.pk, "upstage": upstage.pk}


@pytest.fixture
def stale_p2(kai_program):
    """P2's inputs changed after its latest snapshot: the dashboard must show it is recomputing."""
    from django.db.models import F

    from evaluations.models import Phase

    phase = Phase.objects.get(code="P2")
    Phase.objects.filter(pk=phase.pk).update(standings_generation=F("standings_generation") + 1)
    return phase.pk


def _in_worker_thread(work) -> None:
    """Run ORM work in a plain thread (no asyncio loop there), as the Celery worker would."""
    failure: list[BaseException] = []

    def target():
        from django.db import connection

        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - reported to the test below
            failure.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(60)
    assert not failure, failure


def test_staff_allocates_with_the_room_shown_and_the_dashboard_figure_changes(budget_data, e2e_users, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    allocated = page.get_by_test_id("budget-allocated-data_purchase")
    expect(allocated.locator(".krw-exact")).to_have_text("₩5,000,000,000")

    page.click("nav.main-nav a[href='/budget/']")
    page.wait_for_url(f"{page.base_url}/budget/")
    page.click("main a.button[href='/budget/allocations/new/']")
    page.wait_for_url(re.compile(r".*/budget/allocations/new/$"))
    room = page.get_by_test_id("allocation-room")
    page.select_option("#id_line", str(budget_data["data_line"]))
    page.select_option("#id_consortium", str(budget_data["lg"]))
    # htmx fetched the room for this line and team: ₩25bn left in the line, LG holds ₩2bn of its ₩10bn cap.
    expect(room.get_by_test_id("room-line")).to_contain_text("₩25,000,000,000")
    expect(room.get_by_test_id("room-team")).to_contain_text("₩8,000,000,000")
    expect(room.get_by_test_id("room-max")).to_have_text("₩8,000,000,000")
    # Switching the team updates it in place.
    page.select_option("#id_consortium", str(budget_data["upstage"]))
    expect(room.get_by_test_id("room-max")).to_have_text("₩7,000,000,000")
    page.select_option("#id_consortium", str(budget_data["lg"]))
    expect(room.get_by_test_id("room-max")).to_have_text("₩8,000,000,000")

    # Too much: the service's cap message is shown next to the amount, with the summary linking to it.
    page.fill("#id_amount_krw", "9,000,000,000")
    page.fill("#id_period_start", "2025-09-01")
    page.fill("#id_period_end", "2025-12-31")
    page.click("[data-testid=allocation-form] button[type=submit]")
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    expect(page.locator("#id_amount_krw-error")).to_contain_text("₩8,000,000,000")
    expect(page.locator("#id_amount_krw")).to_have_attribute("aria-invalid", "true")
    summary.locator("a[href='#id_amount_krw']").click()
    assert page.evaluate("document.activeElement.id") == "id_amount_krw"

    page.fill("#id_amount_krw", "4,000,000,000")
    page.click("[data-testid=allocation-form] button[type=submit]")
    page.wait_for_url(re.compile(r".*/budget/allocations/\d+/$"))
    expect(page.locator(".messages")).to_contain_text("₩4,000,000,000")

    page.click("nav.main-nav a[href='/']")
    page.wait_for_url(f"{page.base_url}/")
    expect(page.get_by_test_id("budget-allocated-data_purchase").locator(".krw-exact")).to_have_text(
        "₩9,000,000,000"
    )
    expect(page.get_by_test_id("budget-remaining-data_purchase").locator(".krw-exact")).to_have_text(
        "₩21,000,000,000"
    )
    page.wait_for_selector("canvas[data-chart='budget-chart'][data-chart-ready='1']", state="attached")


def test_auditor_filters_the_audit_list_and_sees_the_export_link(budget_data, e2e_users, page):
    log_in(page, e2e_users[Role.AUDITOR])
    page.click("nav.main-nav a[href='/audit/']")
    page.wait_for_url(f"{page.base_url}/audit/")
    rows = page.locator("[data-testid=audit-table] tbody tr")
    assert rows.count() >= 6  # at least: two allocations, three spending records and one approval
    page.check("#filter-action input[value=approve]")
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.wait_for_url(re.compile(r".*/audit/\?.*action=approve.*"))
    expect(rows).to_have_count(1)
    assert "budget.execution" in rows.first.inner_text()
    csv = page.get_by_test_id("export-links").locator("a", has_text="CSV")
    assert csv.get_attribute("href") == "/api/v1/exports/audit-events.csv?action=approve"
    # The chain check runs on demand and answers in place.
    page.click(".chain button[type=submit]")
    expect(page.get_by_test_id("chain-ok")).to_be_visible()
    assert "action=approve" in page.url  # answered in place: still the filtered list
    # An event's detail: before/after and the request it came from.
    rows.first.locator("a").click()
    page.wait_for_url(re.compile(r".*/audit/\d+/$"))
    expect(page.get_by_test_id("after-json")).to_contain_text('"status": "approved"')


def test_recomputing_state_polls_until_the_new_table_arrives(stale_p2, e2e_users, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    section = page.get_by_test_id("standings")
    expect(section.get_by_test_id("recomputing")).to_be_visible()
    assert section.get_attribute("hx-trigger") == "every 3s"
    # htmx asks again on its own...
    with page.expect_response(re.compile(r".*/dashboard/standings/$"), timeout=10_000) as poll:
        pass
    assert poll.value.status == 200

    def recompute():
        from evaluations.services import standings_recompute

        assert standings_recompute(phase_id=stale_p2, trigger="e2e worker").status == "written"

    _in_worker_thread(recompute)
    # ...and swaps in the fresh table, which carries no trigger: the polling ends.
    expect(page.get_by_test_id("standings-updated")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("recomputing")).to_have_count(0)
    assert page.get_by_test_id("standings").get_attribute("hx-trigger") is None
    expect(page.get_by_test_id("standings-table").locator("tbody tr.outcome-row")).to_have_count(4)


def test_member_sees_the_final_table_and_only_their_own_budget(budget_data, e2e_users, page):
    log_in(page, e2e_users[Role.CONSORTIUM_MEMBER])
    expect(page.get_by_test_id("standings-withheld")).to_be_visible()
    expect(page.locator("#standings-title")).to_contain_text("1차 단계평가")
    table = page.get_by_test_id("standings-table")
    expect(table.locator("tbody tr.outcome-row")).to_have_count(5)
    page.wait_for_selector("canvas[data-chart='standings-chart'][data-chart-ready='1']", state="attached")
    support = page.get_by_test_id("support-table").locator("tbody th").all_inner_texts()
    assert set(support) == {"LG AI연구원 컨소시엄"}
    page.goto(f"{page.base_url}/budget/executions/")
    descriptions = page.get_by_test_id("execution-table").locator("td.description").all_inner_texts()
    assert sorted(descriptions) == ["뉴스 기사 말뭉치 구매", "도서 데이터 라이선스"]


@pytest.mark.parametrize(
    "path",
    ["/", "/budget/", "/budget/allocations/", "/budget/allocations/new/", "/budget/executions/", "/audit/"],
)
def test_phone_width_has_no_page_level_horizontal_overflow(budget_data, stale_p2, e2e_users, page, path):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    page.goto(f"{page.base_url}{path}")
    if path == "/":
        page.wait_for_selector("canvas[data-chart-ready='1']", state="attached")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} is {overflow}px wider than the phone screen"


# --- Screenshots for the README (KAI_SCREENSHOTS=1, like tests/e2e/test_screenshots.py) ------------------


def _shoot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


@pytest.mark.skipif(not screenshots_wanted(), reason="set KAI_SCREENSHOTS=1 to rewrite docs/screenshots")
def test_write_budget_and_audit_screenshots(budget_data, e2e_users, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    page.goto(f"{page.base_url}/budget/")
    _shoot(page, "budget-lines-ko")
    page.goto(
        f"{page.base_url}/budget/allocations/new/?line={budget_data['data_line']}&consortium={budget_data['lg']}"
    )
    _shoot(page, "allocation-form-ko")
    page.goto(f"{page.base_url}/budget/executions/")
    _shoot(page, "spending-ko")
    page.goto(f"{page.base_url}/audit/")
    page.click(".chain button[type=submit]")
    expect(page.get_by_test_id("chain-ok")).to_be_visible()
    _shoot(page, "audit-trail-ko")
    page.click("form.logout-form button[type=submit]")
    log_in(page, e2e_users[Role.CONSORTIUM_MEMBER])
    page.wait_for_selector("canvas[data-chart='standings-chart'][data-chart-ready='1']", state="attached")
    page.get_by_test_id("standings").screenshot(
        path=str(SCREENSHOT_DIR / "dashboard-standings-member-ko.png")
    )
