"""Deadline pages through Django's test client: the staff deadlines page (set, grant, withdraw, refusals
next to their field), and the deadline with its D-day count where members and evaluators act (upload page,
my assignments, score sheet, phase page), with the refusal of a late upload. The clock is controlled
(time-machine); logins happen inside the travelled time, as sessions last eight hours."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from common.roles import Role
from evaluations import services
from evaluations.deadlines import KST, TeamDeadline
from evaluations.models import DeadlineExtension, Phase, ResultUpload
from evaluations.templatetags.deadlines import d_day_label, deadline_display
from tests.p2_data import EVALUATOR_ORG, LEADS, team

pytestmark = pytest.mark.django_db

DUE = dt.datetime(2026, 12, 31, 18, 0, tzinfo=KST)
SCORING_DUE = dt.datetime(2027, 1, 8, 18, 0, tzinfo=KST)
SECOND = dt.timedelta(seconds=1)


def kst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KST)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def p2_due(p2_ready, staff) -> Phase:
    return services.phase_deadlines_set(
        phase=p2_ready, submission_deadline=DUE, scoring_deadline=SCORING_DUE, actor=staff
    )


@pytest.fixture
def lg_member(make_user, kai_program):
    return make_user(Role.CONSORTIUM_MEMBER, organization=LEADS["LG"], consortium="LG")


def get(client, user, url, at):
    with time_machine.travel(at, tick=False):
        client.force_login(user)
        return client.get(url).content.decode()


def deadlines_url(phase) -> str:
    return f"/evaluations/phases/{phase.pk}/deadlines/"


# --- the D-day label (the function the badge shows) ---------------------------------------------------


@pytest.mark.parametrize(
    ("now", "label"),
    [
        (kst(2026, 12, 28, 12, 0), "D-3"),
        (dt.datetime(2026, 12, 30, 15, 0, tzinfo=dt.UTC), "D-day"),  # 00:00 KST on the 31st
        (dt.datetime(2026, 12, 30, 14, 59, 59, tzinfo=dt.UTC), "D-1"),  # 23:59:59 KST on the 30th
        (DUE - SECOND, "D-day"),
        (DUE, "Closed"),
    ],
)
def test_d_day_label(now, label):
    assert d_day_label(DUE, now=now) == label


def test_deadline_display_names_kst_and_the_extension():
    shown = deadline_display(TeamDeadline(DUE, extended=True), kind="submission", now=kst(2026, 12, 30, 9, 0))
    assert shown == {
        "kind": "submission",
        "title": "Results submission deadline",
        "text": "2026-12-31 18:00 KST",
        "iso": "2026-12-31T18:00:00+09:00",
        "label": "D-1",
        "closed": False,
        "extended": True,
    }
    assert deadline_display(None, kind="scoring", now=DUE) is None


# --- the staff page ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CONSORTIUM_MEMBER, Role.EVALUATOR, Role.AUDITOR])
def test_deadlines_page_is_for_staff_only(english, make_user, kai_program, role):
    kwargs = {"organization": LEADS["LG"], "consortium": "LG"} if role == Role.CONSORTIUM_MEMBER else {}
    english.force_login(make_user(role, **kwargs))
    p2 = Phase.objects.get(code="P2")
    assert english.get(deadlines_url(p2)).status_code == 403
    assert english.post(deadlines_url(p2), {"kind": "deadlines"}).status_code == 403
    body = english.get(f"/evaluations/phases/{p2.pk}/").content.decode()
    assert deadlines_url(p2) not in body


def test_anonymous_visitor_is_sent_to_login(client, kai_program):
    response = client.get(deadlines_url(Phase.objects.get(code="P2")))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_staff_set_the_deadlines_in_kst_from_the_page(english, staff, p2):
    english.force_login(staff)
    phase_page = english.get(f"/evaluations/phases/{p2.pk}/").content.decode()
    assert f'href="{deadlines_url(p2)}"' in phase_page
    response = english.post(
        deadlines_url(p2),
        {
            "kind": "deadlines",
            "deadlines-submission_deadline": "2026-12-31T18:00",
            "deadlines-scoring_deadline": "2027-01-08T18:00",
        },
    )
    assert response.status_code == 302
    stored = Phase.objects.get(pk=p2.pk)
    assert (stored.submission_deadline, stored.scoring_deadline) == (DUE, SCORING_DUE)
    assert stored.submission_deadline == dt.datetime(2026, 12, 31, 9, 0, tzinfo=dt.UTC)
    page = get(english, staff, deadlines_url(p2), kst(2026, 12, 28, 10, 0))
    assert 'value="2026-12-31T18:00"' in page and 'value="2027-01-08T18:00"' in page
    assert "The deadlines of" in page
    current = page[page.index('data-testid="current-deadlines"') :]
    assert '<time datetime="2026-12-31T18:00:00+09:00">2026-12-31 18:00 KST</time>' in current
    assert "D-3" in current and "D-11" in current


def test_a_deadline_before_the_phase_opens_shows_next_to_its_field_and_saves_nothing(english, staff, p2):
    english.force_login(staff)
    count = AuditEvent.objects.count()
    response = english.post(
        deadlines_url(p2),
        {
            "kind": "deadlines",
            "deadlines-submission_deadline": "2026-01-14T23:00",
            "deadlines-scoring_deadline": "",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_deadlines-submission_deadline-error"' in body
    assert (
        "The results submission deadline (2026-01-14 23:00 KST) cannot be before the phase opens "
        "(2026-01-15 00:00 KST)."
    ) in body
    assert 'aria-invalid="true"' in body
    assert Phase.objects.get(pk=p2.pk).submission_deadline is None
    assert AuditEvent.objects.count() == count


def test_staff_grant_move_and_withdraw_an_extension(english, staff, p2_due):
    english.force_login(staff)
    lg = team("LG")
    data = {
        "kind": "extension",
        "extension-consortium": lg.pk,
        "extension-deadline": "2027-01-02T12:00",
        "extension-reason": "GPU cluster outage on 12/29",
    }
    assert english.post(deadlines_url(p2_due), data).status_code == 302
    extension = DeadlineExtension.objects.get(phase=p2_due, consortium=lg)
    assert extension.deadline == kst(2027, 1, 2, 12, 0)
    page = english.get(deadlines_url(p2_due)).content.decode()
    table = page[page.index('data-testid="extensions"') :]
    assert "2027-01-02 12:00 KST" in table and "GPU cluster outage on 12/29" in table
    assert "may upload results for" in page
    moved = english.post(deadlines_url(p2_due), {**data, "extension-deadline": "2027-01-03T12:00"})
    assert moved.status_code == 302
    assert DeadlineExtension.objects.get(pk=extension.pk).deadline == kst(2027, 1, 3, 12, 0)
    withdrawn = english.post(deadlines_url(p2_due), {"kind": "revoke", "revoke-extension": extension.pk})
    assert withdrawn.status_code == 302
    assert not DeadlineExtension.objects.exists()
    assert "No team has an extension." in english.get(deadlines_url(p2_due)).content.decode()


def test_an_extension_without_a_reason_or_not_later_is_refused_on_the_form(english, staff, p2_due):
    english.force_login(staff)
    response = english.post(
        deadlines_url(p2_due),
        {
            "kind": "extension",
            "extension-consortium": team("LG").pk,
            "extension-deadline": "2026-12-31T17:00",
            "extension-reason": "   ",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    # A blank reason is caught by the form (required), the early deadline by the service.
    assert 'id="id_extension-reason-error"' in body
    assert DeadlineExtension.objects.count() == 0
    response = english.post(
        deadlines_url(p2_due),
        {
            "kind": "extension",
            "extension-consortium": team("LG").pk,
            "extension-deadline": "2026-12-31T17:00",
            "extension-reason": "outage",
        },
    )
    body = response.content.decode()
    assert 'id="id_extension-deadline-error"' in body
    assert "must be after the phase&#x27;s results submission deadline (2026-12-31 18:00 KST)" in body
    assert DeadlineExtension.objects.count() == 0


def test_the_deadlines_page_of_a_finalized_phase_redirects(english, staff, kai_program):
    english.force_login(staff)
    p1 = Phase.objects.get(code="P1")
    response = english.get(deadlines_url(p1))
    assert response.status_code == 302 and response["Location"] == f"/evaluations/phases/{p1.pk}/"


# --- where members and evaluators act ----------------------------------------------------------------


def test_member_upload_page_shows_the_d_day_and_the_late_refusal(english, lg_member, p2_due):
    page = get(english, lg_member, "/evaluations/upload/", kst(2026, 12, 28, 12, 0))
    deadlines = page[page.index('data-testid="upload-deadlines"') :]
    assert "2026-12-31 18:00 KST" in deadlines and "D-3" in deadlines
    with time_machine.travel(DUE, tick=False):
        english.force_login(lg_member)
        response = english.post(
            "/evaluations/upload/",
            {
                "kind": "results",
                "results-phase": p2_due.pk,
                "results-file": SimpleUploadedFile("late.csv", b"benchmark,score\nMMLU-Pro,80\n"),
            },
        )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_results-phase-error"' in body
    assert "The results submission deadline (2026-12-31 18:00 KST) has passed." in body
    assert "Closed" in body[body.index('data-testid="upload-deadlines"') :]
    assert ResultUpload.objects.count() == 0


def test_member_upload_page_shows_the_teams_extension(english, lg_member, staff, p2_due):
    services.deadline_extension_grant(
        phase=p2_due, consortium=team("LG"), deadline=kst(2027, 1, 2, 12, 0), reason="outage", actor=staff
    )
    page = get(english, lg_member, "/evaluations/upload/", DUE)
    deadlines = page[page.index('data-testid="upload-deadlines"') :]
    assert "2027-01-02 12:00 KST" in deadlines and "extended for your team" in deadlines
    assert "D-2" in deadlines


def test_member_upload_page_in_korean_says_closed(client, lg_member, p2_due):
    page = get(client, lg_member, "/evaluations/upload/", DUE + SECOND)
    assert "마감됨" in page and "결과 제출 마감" in page


def test_phase_page_shows_both_deadlines_with_d_day(english, lg_member, p2_due):
    page = get(english, lg_member, f"/evaluations/phases/{p2_due.pk}/", kst(2026, 12, 31, 0, 30))
    assert 'data-testid="deadline-submission"' in page and 'data-testid="deadline-scoring"' in page
    submission = page[page.index('data-testid="deadline-submission"') :]
    assert (
        "2026-12-31 18:00 KST" in submission and "D-day" in submission[: submission.index("</span></span>")]
    )


def test_shipped_phase_page_shows_no_deadline(english, staff, kai_program):
    english.force_login(staff)
    page = english.get(f"/evaluations/phases/{Phase.objects.get(code='P2').pk}/").content.decode()
    assert 'data-testid="deadline-' not in page


def test_evaluator_sees_the_scoring_deadline_on_assignments_and_sheet(english, make_user, staff, p2_due):
    evaluator = make_user(Role.EVALUATOR, organization=EVALUATOR_ORG)
    assignment = services.evaluator_assign(
        phase=p2_due, consortium=team("LG"), evaluator=evaluator, actor=staff
    )
    at = kst(2027, 1, 5, 9, 0)
    listing = get(english, evaluator, "/evaluations/assignments/", at)
    assert "2027-01-08 18:00 KST" in listing and "D-3" in listing
    sheet = get(english, evaluator, f"/evaluations/sheets/{assignment.sheet.pk}/", at)
    assert 'data-testid="deadline-scoring"' in sheet and "D-3" in sheet
