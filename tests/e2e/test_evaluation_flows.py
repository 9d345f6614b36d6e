"""Evaluation flows in a real browser (Chromium against the live server): an evaluator saves and submits a
score sheet; a consortium member uploads a bad then a good results file; ministry staff finalize a phase
through the confirmation page and the dashboard shows the official standings.

As tests/e2e/conftest.py explains, every database write happens in fixtures before the browser starts
(each test names its data fixture before ``page``); the tests only drive the browser. test_screenshots.py
uses the same fixtures (assigned_sheet, complete_phase: tests/e2e/conftest.py) for the pictures of the score
sheet, the upload errors and the finalize confirmation.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from common.roles import Role
from tests.e2e.browser import BAD_RESULTS, PortalUser, log_in
from tests.p2_data import results_csv

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_evaluator_saves_a_draft_then_submits(e2e_users, assigned_sheet, page):
    log_in(page, e2e_users[Role.EVALUATOR])
    page.goto(f"{page.base_url}/evaluations/assignments/")
    page.click(f"[data-testid=my-assignments] a[href='{assigned_sheet['path']}']")
    page.wait_for_url(f"{page.base_url}{assigned_sheet['path']}")
    expect(page.get_by_test_id("sheet-status")).to_have_class(re.compile("badge--sheet-draft"))

    first_id, _first_max = assigned_sheet["criteria"][0]
    page.fill(f"#id_points_{first_id}", "12")
    page.fill(f"#id_comment_{first_id}", "Solid pre-training pipeline.")
    expect(page.locator("[data-sheet-total]")).to_have_text("12")
    page.get_by_test_id("save-draft").click()
    page.wait_for_load_state()
    expect(page.locator("ul.messages")).to_be_visible()
    expect(page.get_by_test_id("sheet-version")).to_have_text("2")
    expect(page.locator(f"#id_points_{first_id}")).to_have_value("12.00")
    expect(page.get_by_test_id("sheet-status")).to_have_class(re.compile("badge--sheet-draft"))

    for criterion_id, maximum in assigned_sheet["criteria"][1:]:
        page.fill(f"#id_points_{criterion_id}", str(maximum - Decimal(2)))
    page.get_by_test_id("submit-sheet").click()
    page.wait_for_load_state()
    expect(page.get_by_test_id("sheet-status")).to_have_class(re.compile("badge--sheet-submitted"))
    expect(page.get_by_test_id("sheet-version")).to_have_text("3")
    expect(page.get_by_test_id("submit-sheet")).to_have_count(0)


@pytest.fixture
def good_results(kai_program) -> bytes:
    from evaluations.models import Phase

    return results_csv("LG", Phase.objects.get(code="P2"))


def test_member_sees_row_errors_then_uploads_a_good_file(e2e_users, good_results, page):
    log_in(page, e2e_users[Role.CONSORTIUM_MEMBER])
    page.click("nav.main-nav a[href='/evaluations/upload/']")
    page.wait_for_url(f"{page.base_url}/evaluations/upload/")

    page.set_input_files(
        "#id_results-file", files=[{"name": "lg-bad.csv", "mimeType": "text/csv", "buffer": BAD_RESULTS}]
    )
    page.locator("[data-testid=results-form] button[type=submit]").click()
    errors = page.get_by_test_id("upload-errors")
    expect(errors).to_be_visible()
    expect(errors).to_contain_text("lg-bad.csv")
    rows = errors.locator("tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").nth(0)).to_have_text("2")
    expect(rows.nth(0).locator("td").nth(1)).to_have_text("score")
    # Nothing was stored.
    expect(page.locator("[data-testid=results-history] tbody tr")).to_have_count(1)
    expect(page.locator("[data-testid=results-history] tbody tr td[colspan]")).to_have_count(1)

    page.set_input_files(
        "#id_results-file", files=[{"name": "lg-p2.csv", "mimeType": "text/csv", "buffer": good_results}]
    )
    page.locator("[data-testid=results-form] button[type=submit]").click()
    page.wait_for_url(f"{page.base_url}/evaluations/upload/")
    expect(page.get_by_test_id("upload-errors")).to_have_count(0)
    first = page.locator("[data-testid=results-history] tbody tr").first
    expect(first).to_contain_text("lg-p2.csv")
    expect(first.locator(".badge--current")).to_be_visible()
    expect(first.locator("td.num")).to_have_text("13")


def test_staff_finalize_a_phase_and_the_dashboard_shows_the_official_standings(
    e2e_users, complete_phase, page
):
    staff: PortalUser = e2e_users[Role.MINISTRY_STAFF]
    log_in(page, staff)
    page.goto(f"{page.base_url}{complete_phase['path']}")
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--evaluating"))
    page.click(f"a[href='{complete_phase['path']}finalize/']")
    page.wait_for_url(f"{page.base_url}{complete_phase['path']}finalize/")

    expect(page.get_by_test_id("eliminated")).to_have_text(complete_phase["motif"])
    for name in complete_phase["advancing"]:
        expect(page.get_by_test_id("advancing")).to_contain_text(name)
    expect(page.get_by_test_id("frozen-allocations")).to_contain_text("B200 × 768")
    expect(page.get_by_test_id("finalize-blocked")).to_have_count(0)

    page.get_by_test_id("confirm-finalize").click()
    page.wait_for_url(f"{page.base_url}{complete_phase['path']}")
    expect(page.get_by_test_id("phase-status")).to_have_class(re.compile("badge--finalized"))
    expect(page.get_by_test_id("read-only")).to_be_visible()
    expect(page.locator(f"a[href='{complete_phase['path']}finalize/']")).to_have_count(0)

    page.goto(f"{page.base_url}/")
    table = page.get_by_test_id("standings-table")
    expect(table).to_be_visible()
    eliminated = table.locator("tr.outcome-row--eliminated_on_points")
    expect(eliminated).to_have_count(1)
    expect(eliminated).to_contain_text(complete_phase["motif"])
    expect(eliminated.locator(".badge--outcome-eliminated_on_points")).to_be_visible()
    expect(table.locator("tr.outcome-row--advances")).to_have_count(3)
    expect(page.get_by_test_id("standings").locator(".badge--finalized")).to_be_visible()
