"""Accounts in a real browser: ministry staff invite an evaluator from the users page (a refused first try
shows its errors next to the fields), the invitee opens the link of the mail, sets a password and logs in.
With KAI_SCREENSHOTS=1 it also writes the users pages' pictures for the README."""

from __future__ import annotations

import time

import pytest
from django.core import mail
from playwright.sync_api import expect

from common.roles import Role
from tests.consortia.accounts_support import mailed_link
from tests.e2e.browser import SCREENSHOT_DIR, log_in, screenshots_wanted

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "invited-evaluator-passphrase-2026"


def _shoot(page, name: str) -> None:
    if screenshots_wanted():
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def _pick(page, selector: str, text: str) -> None:
    value = page.eval_on_selector(
        selector, "(s, t) => [...s.options].find(o => o.text.includes(t)).value", text
    )
    page.select_option(selector, value)


def _fill_person(page, *, username: str, role: str, organization: str) -> None:
    page.fill("#id_username", username)
    page.fill("#id_last_name", "오")
    page.fill("#id_first_name", "세린")
    page.fill("#id_email", "oh.serin@nia.example.kr")
    page.select_option("#id_role", role)
    _pick(page, "#id_organization", organization)


def _mail_body(deadline_seconds: float = 15) -> str:
    """The live server sends the invitation after its commit, on its own thread."""
    deadline = time.monotonic() + deadline_seconds
    while not mail.outbox:
        assert time.monotonic() < deadline, "no invitation mail"
        time.sleep(0.1)
    [message] = mail.outbox
    assert message.to == ["oh.serin@nia.example.kr"]
    return message.body


@pytest.fixture
def named_people(e2e_users):
    """Names for the four users (written before the browser starts, like every database write here)."""
    role_users = e2e_users
    from django.contrib.auth import get_user_model

    names = {
        Role.MINISTRY_STAFF: ("김", "정민"),
        Role.EVALUATOR: ("이", "서연"),
        Role.CONSORTIUM_MEMBER: ("최", "유진"),
        Role.AUDITOR: ("한", "지우"),
    }
    for role, (last_name, first_name) in names.items():
        get_user_model().objects.filter(username=role_users[role].username).update(
            first_name=first_name, last_name=last_name, email=f"{role_users[role].username}@example.kr"
        )
    return role_users


def test_staff_invite_an_evaluator_who_sets_a_password_from_the_mail(named_people, page):
    role_users = named_people
    staff = role_users[Role.MINISTRY_STAFF]
    log_in(page, staff)
    page.click("nav.main-nav a[href='/accounts/users/']")
    expect(page.locator("h1")).to_have_text("사용자")
    expect(page.locator("[data-testid=user-table] tbody tr")).to_have_count(4)
    _shoot(page, "users-list-ko")

    page.click("[data-testid=user-create-link]")
    # A member without a team, under a username that is taken: both refused, next to their fields.
    _fill_person(page, username=staff.username, role="consortium_member", organization="KAIST")
    page.click("[data-testid=user-form] button[type=submit]")
    summary = page.locator("[data-testid=error-summary] li")
    expect(summary).to_have_count(2)
    expect(page.locator("#id_username-error")).to_contain_text("이미 사용 중입니다")
    expect(page.locator("#id_consortium-error")).to_contain_text("컨소시엄 구성원은 팀에 속해야 합니다")
    _shoot(page, "user-form-errors-ko")

    _fill_person(
        page, username="oh.nia", role="evaluator", organization="National Information Society Agency"
    )
    page.click("[data-testid=user-form] button[type=submit]")
    expect(page.locator(".messages")).to_contain_text(
        "비밀번호 설정 초대 메일이 oh.serin@nia.example.kr(으)로 발송됩니다."
    )
    expect(page.locator("h1")).to_contain_text("오세린")
    _shoot(page, "user-detail-invited-ko")

    link = mailed_link(_mail_body())
    assert link.startswith(page.base_url)
    page.click(".logout-form button[type=submit]")
    page.goto(link)
    expect(page.locator("h1")).to_have_text("비밀번호 정하기")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("[data-testid=password-set-form] button[type=submit]")
    expect(page.locator("h1")).to_have_text("비밀번호 설정 완료")

    page.goto(f"{page.base_url}/login/")
    page.fill("#id_username", "oh.nia")
    page.fill("#id_password", NEW_PASSWORD)
    page.click("form[action='/login/'] button[type=submit]")
    page.wait_for_url(f"{page.base_url}/")
    expect(page.locator("[data-testid=whoami]")).to_contain_text("평가위원")
    expect(page.locator("nav.main-nav a[href='/accounts/users/']")).to_have_count(0)
    expect(page.locator("a[href='/accounts/password/']")).to_have_count(1)
