"""Writes docs/screenshots/*.png when KAI_SCREENSHOTS=1 (`make screenshots`); skipped otherwise.

The pictures in the README come from here, so they always show the real pages: Korean by default, the
dashboard in English and at phone width (375 x 812).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from common.roles import Role
from tests.e2e.browser import BAD_RESULTS, SCREENSHOT_DIR, log_in, screenshots_wanted

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not screenshots_wanted(), reason="set KAI_SCREENSHOTS=1 to rewrite docs/screenshots"),
]


def _shoot(page, name: str) -> None:
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def test_write_screenshots(e2e_users, detail_paths, page):
    page.goto(f"{page.base_url}/login/")
    _shoot(page, "login-ko")

    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    page.wait_for_selector("canvas[data-chart-ready='1']", state="attached")
    _shoot(page, "dashboard-ko")

    page.goto(f"{page.base_url}/consortia/")
    _shoot(page, "consortia-list-ko")

    page.goto(f"{page.base_url}{detail_paths['UPSTAGE']}")
    _shoot(page, "consortium-detail-ko")

    page.goto(f"{page.base_url}/")
    page.select_option("#lang-select", "en")
    page.click(".lang-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.wait_for_selector("canvas[data-chart-ready='1']", state="attached")
    _shoot(page, "dashboard-en")

    page.select_option("#lang-select", "ko")
    page.click(".lang-form button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    page.set_viewport_size({"width": 375, "height": 812})
    page.reload()
    page.wait_for_selector("canvas[data-chart-ready='1']", state="attached")
    _shoot(page, "dashboard-phone-ko")


# Evaluation pages: their data comes from the fixtures the evaluation flows use (tests/e2e/conftest.py).


def test_write_evaluation_screenshots(e2e_users, assigned_sheet, page):
    log_in(page, e2e_users[Role.EVALUATOR])
    page.goto(f"{page.base_url}{assigned_sheet['path']}")
    for criterion_id, maximum in assigned_sheet["criteria"]:
        page.fill(f"#id_points_{criterion_id}", str(maximum - 2))
    page.fill(f"#id_comment_{assigned_sheet['criteria'][0][0]}", "사전학습 파이프라인이 탄탄함.")
    _shoot(page, "score-sheet-ko")

    page.goto(f"{page.base_url}/")
    page.click(".logout-form button[type=submit]")
    log_in(page, e2e_users[Role.CONSORTIUM_MEMBER])
    page.goto(f"{page.base_url}/evaluations/upload/")
    page.set_input_files(
        "#id_results-file", files=[{"name": "lg-p2.csv", "mimeType": "text/csv", "buffer": BAD_RESULTS}]
    )
    page.locator("[data-testid=results-form] button[type=submit]").click()
    expect(page.get_by_test_id("upload-errors")).to_be_visible()
    _shoot(page, "upload-errors-ko")


def test_write_finalize_screenshot(e2e_users, complete_phase, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    page.goto(f"{page.base_url}{complete_phase['path']}finalize/")
    expect(page.get_by_test_id("confirm-finalize")).to_be_visible()
    _shoot(page, "finalize-confirm-ko")


# Phase administration pages (README "How ministry staff run a phase"): P2 as shipped (open), with
# deadlines, one team's extension and two teams' results in, so the readiness grid shows both kinds of cell.


@pytest.fixture
def phase_admin_pages(e2e_users) -> dict:
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from consortia.models import Consortium
    from evaluations import services
    from evaluations.deadlines import KST
    from evaluations.models import Phase
    from tests.e2e.browser import user_create, user_get
    from tests.p2_data import LEADS, results_csv

    staff = user_get(e2e_users[Role.MINISTRY_STAFF].username)
    p2 = Phase.objects.get(code="P2")
    today = dt.datetime.now(KST).date()

    def at_six_pm(days: int) -> dt.datetime:
        return dt.datetime.combine(today + dt.timedelta(days=days), dt.time(18, 0), tzinfo=KST)

    services.phase_deadlines_set(
        phase=p2, submission_deadline=at_six_pm(7), scoring_deadline=at_six_pm(14), actor=staff
    )
    services.deadline_extension_grant(
        phase=p2,
        consortium=Consortium.objects.get(code="MOTIF"),
        deadline=at_six_pm(9),
        reason="GPU 클러스터 장애로 학습 재개가 늦어짐 (장애 보고서 확인)",
        actor=staff,
    )
    members = {
        "LG": user_get(e2e_users[Role.CONSORTIUM_MEMBER].username),
        "SKT": user_create("e2e_member_skt", Role.CONSORTIUM_MEMBER, LEADS["SKT"], "SKT"),
    }
    for code, member in members.items():
        services.result_upload_create(
            phase=p2,
            consortium=Consortium.objects.get(code=code),
            file=SimpleUploadedFile(f"{code.lower()}-p2.csv", results_csv(code, p2)),
            actor=member,
        )
    return {
        "phase": f"/evaluations/phases/{p2.pk}/",
        "withdraw": f"/consortia/{Consortium.objects.get(code='MOTIF').pk}/withdraw/",
    }


def test_write_phase_administration_screenshots(e2e_users, phase_admin_pages, page):
    log_in(page, e2e_users[Role.MINISTRY_STAFF])
    phase = phase_admin_pages["phase"]
    page.goto(f"{page.base_url}{phase}setup/")
    expect(page.get_by_test_id("form-weights")).to_be_visible()
    _shoot(page, "phase-setup-ko")

    page.goto(f"{page.base_url}{phase}deadlines/")
    expect(page.get_by_test_id("deadline-submission")).to_be_visible()
    _shoot(page, "phase-deadlines-ko")

    page.goto(f"{page.base_url}{phase}begin-evaluation/")
    expect(page.get_by_test_id("readiness-grid").locator("a.mark--no").first).to_be_visible()
    _shoot(page, "phase-begin-evaluation-ko")

    page.goto(f"{page.base_url}/consortia/organizations/")
    expect(page.get_by_test_id("organizations")).to_be_visible()
    _shoot(page, "organizations-ko")

    page.goto(f"{page.base_url}{phase_admin_pages['withdraw']}")
    expect(page.locator("form button[type=submit]").last).to_be_visible()
    _shoot(page, "consortium-withdraw-ko")
