"""The portal in a real browser: log in per role, the error summary, the language switch, the registry,
the htmx filter and the phone layout. Korean is the default language of every page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from common.roles import Role
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ROLE_LABELS_KO = {
    Role.MINISTRY_STAFF: "부처 담당자",
    Role.EVALUATOR: "평가위원",
    Role.CONSORTIUM_MEMBER: "컨소시엄 구성원",
    Role.AUDITOR: "감사인",
}


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_logs_in_and_sees_the_dashboard_with_its_role(e2e_users, page, role):
    user = e2e_users[role]
    log_in(page, user)
    assert page.locator("html").get_attribute("lang") == "ko"
    assert page.locator("h1").first.inner_text().startswith("독자 AI 파운데이션 모델 프로젝트")
    whoami = page.get_by_test_id("whoami").inner_text()
    assert user.username in whoami and ROLE_LABELS_KO[role] in whoami
    # The timeline is there, in phase order, with the open phase marked current.
    phases = page.locator(".timeline .phase .phase-name").all_inner_texts()
    assert phases == [
        "정예팀 선정평가 (Elite-team selection)",
        "1차 단계평가",
        "추가 정예팀 공모",
        "2차 단계평가",
        "최종 평가 (K-AI 정예팀 2곳)",
    ]
    assert page.locator(".timeline .phase.is-current .phase-name").inner_text() == "2차 단계평가"
    # The chart script ran under the strict CSP (the page fixture fails on any CSP report).
    page.wait_for_selector("canvas[data-chart][data-chart-ready='1']", state="attached")
    if role == Role.CONSORTIUM_MEMBER:
        assert page.locator(".your-team").inner_text().count("LG AI연구원 컨소시엄") == 1
    else:
        assert page.locator(".your-team").count() == 0


def test_wrong_password_shows_the_error_summary_and_keeps_the_username(e2e_users, page):
    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", e2e_users[Role.AUDITOR].username)
    page.fill("#id_password", "definitely-not-the-password")
    page.click("form[action='/login/'] button[type=submit]")
    summary = page.get_by_test_id("error-summary")
    summary.wait_for()
    assert page.url == f"{page.base_url}/login/"
    assert "문제가 있습니다" in summary.inner_text()
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.dataset.testid") == "error-summary"
    assert page.input_value("#id_username") == e2e_users[Role.AUDITOR].username
    assert page.input_value("#id_password") == ""


def test_language_switch_turns_the_page_to_english_and_back(e2e_users, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    page.goto(f"{page.base_url}/consortia/")
    page.select_option("#lang-select", "en")
    page.click(".lang-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert page.url == f"{page.base_url}/consortia/"
    assert page.locator("h1").inner_text() == "Consortia"
    assert "Ministry staff" in page.get_by_test_id("whoami").inner_text()
    assert page.locator("nav.main-nav a[aria-current=page]").inner_text() == "Consortia"
    page.select_option("#lang-select", "ko")
    page.click(".lang-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    assert page.locator("h1").inner_text() == "컨소시엄"


def test_consortia_list_to_detail(e2e_users, page):
    log_in(page, e2e_users[Role.EVALUATOR])
    page.click("nav.main-nav >> text=컨소시엄")
    page.wait_for_url(f"{page.base_url}/consortia/")
    rows = page.locator("[data-testid=consortium-table] tbody tr")
    assert rows.count() == 6
    page.click("text=업스테이지 컨소시엄")
    page.wait_for_url(re.compile(r".*/consortia/\d+/$"))
    assert page.locator("h1").inner_text().startswith("업스테이지 컨소시엄")
    body = page.locator("main").inner_text()
    assert "Solar Open 100B" in body and "102.6B" in body and "12B" in body
    assert "래블업" in body  # partners shown by their Korean names in Korean
    # Partners are grouped by kind after the lead.
    headings = page.locator("#partners-title ~ h3").all_inner_texts()
    assert headings[0] == "주관기관"
    assert [h.split(" (")[0] for h in headings[1:]] == ["기업", "스타트업", "대학", "공공기관"]


def test_consortia_filter_updates_results_in_place_with_htmx(e2e_users, page):
    log_in(page, e2e_users[Role.AUDITOR])
    page.goto(f"{page.base_url}/consortia/")
    page.evaluate("window.__sameDocument = true")
    page.check("input[name=status][value=eliminated]")
    page.wait_for_url(re.compile(r".*status=eliminated.*"))
    expect(page.locator("[data-testid=consortium-table] tbody tr")).to_have_count(2)
    expect(page.locator("#result-count")).to_have_text("컨소시엄 2개")  # the live region was updated too
    names = page.locator("[data-testid=consortium-table] tbody th a").all_inner_texts()
    assert sorted(names) == ["NC AI 컨소시엄", "네이버클라우드 컨소시엄"]
    page.fill("#filter-q", "네이버")
    expect(page.locator("[data-testid=consortium-table] tbody tr")).to_have_count(1)
    # Same document: htmx swapped the results, the page was not reloaded.
    assert page.evaluate("window.__sameDocument") is True
    # Back goes to the previous filter with the whole page, not a bare fragment.
    page.go_back()
    expect(page.locator("[data-testid=consortium-table] tbody tr")).to_have_count(2)
    expect(page.locator("nav.main-nav")).to_be_visible()
    assert page.locator("h1").inner_text() == "컨소시엄"


def test_phone_width_has_no_horizontal_page_overflow(e2e_users, page):
    page.set_viewport_size({"width": 375, "height": 812})
    log_in(page, e2e_users[Role.CONSORTIUM_MEMBER])
    for path in ("/", "/consortia/"):
        page.goto(f"{page.base_url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone screen"
    # The wide status table scrolls inside its own box instead.
    page.goto(f"{page.base_url}/")
    box = page.locator("#status-title ~ .table-scroll")
    assert box.evaluate("el => el.scrollWidth > el.clientWidth")
    assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"


def test_anonymous_visitor_is_sent_to_login(page):
    page.goto(f"{page.base_url}/consortia/")
    assert page.url.startswith(f"{page.base_url}/login/?next=/consortia/")
