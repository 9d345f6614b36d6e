"""Deadlines: the KST arithmetic (pure), setting them and granting extensions (services), and the refusals
of uploads and score sheets at the exact boundary, with a controlled clock (time-machine).

The running example: P2's results are due 2026-12-31 18:00 KST (= 09:00 UTC) and scored by 2027-01-08
18:00 KST; LG is granted until 2027-01-02 12:00 KST."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from common.roles import Role
from evaluations import services
from evaluations.deadlines import (
    KST,
    TeamDeadline,
    days_left,
    has_passed,
    kst_text,
    phase_opens_at,
    team_deadline,
)
from evaluations.models import DeadlineExtension, Phase, ResultUpload, ScoreSheet
from tests.p2_data import EVALUATOR_ORG, LEADS, p2_criteria, team

UTC = dt.UTC


def kst(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=KST)


DUE = kst(2026, 12, 31, 18, 0)
SCORING_DUE = kst(2027, 1, 8, 18, 0)
LG_DUE = kst(2027, 1, 2, 12, 0)
SECOND = dt.timedelta(seconds=1)
RESULTS = b"benchmark,score\nMMLU-Pro,80\nGPQA-Diamond,70\n"


# --- pure: KST text, the boundary, D-day counting ---------------------------------------------------------


def test_kst_text_names_the_zone_and_converts_from_utc():
    assert DUE == dt.datetime(2026, 12, 31, 9, 0, tzinfo=UTC)
    assert kst_text(dt.datetime(2026, 12, 31, 9, 0, tzinfo=UTC)) == "2026-12-31 18:00 KST"
    assert kst_text(dt.datetime(2026, 12, 31, 8, 59, 59, tzinfo=UTC)) == "2026-12-31 17:59:59 KST"


@pytest.mark.parametrize(
    ("now", "passed"),
    [(DUE - SECOND, False), (DUE, True), (DUE + SECOND, True), (DUE - dt.timedelta(days=400), False)],
)
def test_a_deadline_is_passed_from_the_deadline_itself_on(now, passed):
    assert has_passed(DUE, now=now) is passed
    assert has_passed(None, now=now) is False


@pytest.mark.parametrize(
    ("now", "days"),
    [
        (kst(2026, 12, 28, 9, 0), 3),
        (kst(2026, 12, 30, 23, 59, 59), 1),
        # 00:30 KST on the 31st is still the 30th in UTC (15:30): the count follows the KST calendar.
        (dt.datetime(2026, 12, 30, 15, 30, tzinfo=UTC), 0),
        (DUE - SECOND, 0),
        (DUE, None),
        (kst(2027, 1, 1, 0, 0), None),
    ],
)
def test_days_left_counts_calendar_days_in_kst(now, days):
    assert days_left(DUE, now=now) == days


def test_a_deadline_just_after_midnight_kst_is_a_day_away_the_evening_before():
    due = kst(2027, 1, 1, 0, 30)  # 2026-12-31 15:30 UTC: the same UTC date as "now" below
    assert days_left(due, now=dt.datetime(2026, 12, 31, 14, 0, tzinfo=UTC)) == 1


def test_phase_opens_at_midnight_kst_of_its_development_start():
    assert phase_opens_at(dt.date(2026, 1, 15)) == dt.datetime(2026, 1, 14, 15, 0, tzinfo=UTC)
    assert phase_opens_at(None) is None


@pytest.mark.parametrize(
    ("phase_deadline", "extension", "expected"),
    [
        (None, None, None),
        (None, LG_DUE, None),
        (DUE, None, TeamDeadline(DUE)),
        (DUE, LG_DUE, TeamDeadline(LG_DUE, extended=True)),
        # The phase's deadline was moved past the extension since: the extension no longer counts.
        (LG_DUE, DUE, TeamDeadline(LG_DUE)),
    ],
)
def test_team_deadline_is_the_extension_only_when_later(phase_deadline, extension, expected):
    assert team_deadline(phase_deadline, extension) == expected


# --- fixtures ---------------------------------------------------------------------------------------------


@pytest.fixture
def lg_member(make_user, kai_program):
    return make_user(Role.CONSORTIUM_MEMBER, organization=LEADS["LG"], consortium="LG")


@pytest.fixture
def skt_member(make_user, kai_program):
    return make_user(Role.CONSORTIUM_MEMBER, organization=LEADS["SKT"], consortium="SKT")


@pytest.fixture
def p2_due(p2_ready, staff) -> Phase:
    """P2 ready for uploads, results due DUE and scoring due SCORING_DUE (set before either)."""
    with time_machine.travel(kst(2026, 12, 1, 9, 0), tick=False):
        return services.phase_deadlines_set(
            phase=p2_ready, submission_deadline=DUE, scoring_deadline=SCORING_DUE, actor=staff
        )


def upload(phase, code, member, at):
    with time_machine.travel(at, tick=False):
        return services.result_upload_create(
            phase=phase, consortium=team(code), file=SimpleUploadedFile("r.csv", RESULTS), actor=member
        )


def refusal(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


# --- setting the deadlines ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_shipped_phases_have_no_deadlines_and_no_extensions(kai_program):
    assert list(Phase.objects.exclude(submission_deadline=None).values_list("code", flat=True)) == []
    assert list(Phase.objects.exclude(scoring_deadline=None).values_list("code", flat=True)) == []
    assert DeadlineExtension.objects.count() == 0


@pytest.mark.django_db
def test_staff_set_both_deadlines_audited_with_before_and_after(p2, staff):
    phase = services.phase_deadlines_set(
        phase=p2, submission_deadline=DUE, scoring_deadline=SCORING_DUE, actor=staff
    )
    stored = Phase.objects.get(pk=p2.pk)
    assert (stored.submission_deadline, stored.scoring_deadline) == (DUE, SCORING_DUE)
    assert phase.submission_deadline == DUE
    event = AuditEvent.objects.filter(object_type="evaluations.phase", object_id=str(p2.pk)).latest("id")
    assert event.actor == staff
    assert event.before == {"submission_deadline": None, "scoring_deadline": None}
    assert event.after == {
        "submission_deadline": "2026-12-31T09:00:00+00:00",
        "scoring_deadline": "2027-01-08T09:00:00+00:00",
    }
    assert event.context["extra"] == {"event": "phase_deadlines_set"}


@pytest.mark.django_db
def test_setting_the_same_deadlines_again_records_nothing(p2_due, staff):
    count = AuditEvent.objects.count()
    services.phase_deadlines_set(
        phase=p2_due, submission_deadline=DUE, scoring_deadline=SCORING_DUE, actor=staff
    )
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_a_deadline_without_a_zone_is_read_as_kst(p2, staff):
    services.phase_deadlines_set(
        phase=p2,
        submission_deadline=dt.datetime(2026, 12, 31, 18, 0),  # noqa: DTZ001 -- the point of the test
        scoring_deadline=None,
        actor=staff,
    )
    assert Phase.objects.get(pk=p2.pk).submission_deadline == DUE


@pytest.mark.django_db
def test_clearing_the_deadlines_with_none(p2_due, staff):
    services.phase_deadlines_set(phase=p2_due, submission_deadline=None, scoring_deadline=None, actor=staff)
    stored = Phase.objects.get(pk=p2_due.pk)
    assert (stored.submission_deadline, stored.scoring_deadline) == (None, None)


@pytest.mark.django_db
def test_a_deadline_before_the_phase_opens_is_refused_naming_the_field(p2, staff):
    # P2's development starts 2026-01-15: it opens at 00:00 KST that day.
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.phase_deadlines_set(
            phase=p2,
            submission_deadline=kst(2026, 1, 14, 23, 59),
            scoring_deadline=kst(2026, 1, 10, 12, 0),
            actor=staff,
        )
    assert refusal(excinfo) == {
        "submission_deadline": [
            "The results submission deadline (2026-01-14 23:59 KST) cannot be before the phase opens "
            "(2026-01-15 00:00 KST)."
        ],
        "scoring_deadline": [
            "The scoring deadline (2026-01-10 12:00 KST) cannot be before the phase opens "
            "(2026-01-15 00:00 KST)."
        ],
    }
    stored = Phase.objects.get(pk=p2.pk)
    assert (stored.submission_deadline, stored.scoring_deadline) == (None, None)
    assert AuditEvent.objects.count() == count
    # The opening moment itself is allowed.
    services.phase_deadlines_set(
        phase=p2, submission_deadline=kst(2026, 1, 15, 0, 0), scoring_deadline=None, actor=staff
    )


@pytest.mark.django_db
def test_a_scoring_deadline_before_the_submission_deadline_is_refused(p2, staff):
    with pytest.raises(ValidationError) as excinfo:
        services.phase_deadlines_set(
            phase=p2, submission_deadline=DUE, scoring_deadline=DUE - SECOND, actor=staff
        )
    assert refusal(excinfo) == {
        "scoring_deadline": [
            "The scoring deadline (2026-12-31 17:59:59 KST) cannot be before the results submission "
            "deadline (2026-12-31 18:00 KST)."
        ]
    }
    assert Phase.objects.get(pk=p2.pk).submission_deadline is None
    # Equal is allowed (the database constraint says the same: scoring >= submission).
    services.phase_deadlines_set(phase=p2, submission_deadline=DUE, scoring_deadline=DUE, actor=staff)


@pytest.mark.django_db
def test_only_staff_set_deadlines_and_not_on_a_finalized_phase(kai_program, staff, make_user):
    p2 = Phase.objects.get(code="P2")
    for role in (Role.AUDITOR, Role.EVALUATOR):
        with pytest.raises(PermissionDenied):
            services.phase_deadlines_set(
                phase=p2, submission_deadline=DUE, scoring_deadline=None, actor=make_user(role)
            )
    p1 = Phase.objects.get(code="P1")
    with pytest.raises(ValidationError, match="finalized and read-only"):
        services.phase_deadlines_set(phase=p1, submission_deadline=DUE, scoring_deadline=None, actor=staff)
    assert Phase.objects.get(pk=p1.pk).submission_deadline is None


# --- the upload boundary --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_upload_one_second_before_the_deadline_is_accepted(p2_due, lg_member):
    accepted = upload(p2_due, "LG", lg_member, DUE - SECOND)
    assert accepted.uploaded_at == dt.datetime(2026, 12, 31, 8, 59, 59, tzinfo=UTC)
    assert accepted.is_current


@pytest.mark.django_db
def test_upload_at_the_deadline_is_refused_naming_it_in_kst(p2_due, lg_member):
    before = ResultUpload.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        upload(p2_due, "LG", lg_member, DUE)
    assert refusal(excinfo) == {
        "phase": ["The results submission deadline (2026-12-31 18:00 KST) has passed."]
    }
    assert excinfo.value.error_dict["phase"][0].code == "submission_deadline_passed"
    assert ResultUpload.objects.count() == before


@pytest.mark.django_db
def test_the_refusal_is_in_korean_for_korean_readers(p2_due, lg_member):
    from django.utils import translation

    with translation.override("ko"), pytest.raises(ValidationError) as excinfo:
        upload(p2_due, "LG", lg_member, DUE + dt.timedelta(hours=1))
    assert refusal(excinfo) == {"phase": ["결과 제출 마감(2026-12-31 18:00 KST)이 지났습니다."]}


@pytest.mark.django_db
def test_a_late_file_is_refused_for_being_late_before_it_is_read(p2_due, lg_member):
    with time_machine.travel(DUE, tick=False), pytest.raises(ValidationError) as excinfo:
        services.result_upload_create(
            phase=p2_due,
            consortium=team("LG"),
            file=SimpleUploadedFile("r.csv", b"not,a,results,file\n"),
            actor=lg_member,
        )
    assert list(refusal(excinfo)) == ["phase"]


@pytest.mark.django_db
def test_an_extension_lets_that_team_and_only_that_team_upload_until_its_deadline(
    p2_due, staff, lg_member, skt_member
):
    with time_machine.travel(kst(2026, 12, 30, 10, 0), tick=False):
        services.deadline_extension_grant(
            phase=p2_due, consortium=team("LG"), deadline=LG_DUE, reason="GPU outage 12/29", actor=staff
        )
    assert upload(p2_due, "LG", lg_member, DUE).consortium.code == "LG"
    assert upload(p2_due, "LG", lg_member, LG_DUE - SECOND).is_current
    with pytest.raises(ValidationError) as excinfo:
        upload(p2_due, "SKT", skt_member, DUE)
    assert refusal(excinfo) == {
        "phase": ["The results submission deadline (2026-12-31 18:00 KST) has passed."]
    }
    with pytest.raises(ValidationError) as excinfo:
        upload(p2_due, "LG", lg_member, LG_DUE)
    assert refusal(excinfo) == {
        "phase": [
            f"The results submission deadline extended for {team('LG')} (2027-01-02 12:00 KST) has passed."
        ]
    }
    assert ResultUpload.objects.filter(phase=p2_due, consortium__code="SKT").count() == 0


@pytest.mark.django_db
def test_a_phase_without_a_deadline_takes_uploads_at_any_time(p2_ready, lg_member):
    assert upload(p2_ready, "LG", lg_member, kst(2030, 1, 1, 0, 0)).is_current


# --- extensions -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_granting_is_audited_and_granting_again_moves_it(p2_due, staff):
    with time_machine.travel(kst(2026, 12, 30, 10, 0), tick=False):
        first = services.deadline_extension_grant(
            phase=p2_due, consortium=team("LG"), deadline=LG_DUE, reason="  GPU outage  ", actor=staff
        )
    assert (first.reason, first.granted_by, first.granted_at) == (
        "GPU outage",
        staff,
        kst(2026, 12, 30, 10, 0),
    )
    created = AuditEvent.objects.filter(object_type="evaluations.deadlineextension").latest("id")
    assert created.action == AuditEvent.Action.CREATE
    assert created.after["deadline"] == "2027-01-02T03:00:00+00:00"
    moved = services.deadline_extension_grant(
        phase=p2_due,
        consortium=team("LG"),
        deadline=LG_DUE + dt.timedelta(days=1),
        reason="longer",
        actor=staff,
    )
    assert moved.pk == first.pk
    assert DeadlineExtension.objects.filter(phase=p2_due).count() == 1
    event = AuditEvent.objects.filter(object_type="evaluations.deadlineextension").latest("id")
    assert event.action == AuditEvent.Action.UPDATE
    assert (event.before["deadline"], event.after["deadline"]) == (
        "2027-01-02T03:00:00+00:00",
        "2027-01-03T03:00:00+00:00",
    )
    assert (event.before["reason"], event.after["reason"]) == ("GPU outage", "longer")


@pytest.mark.django_db
def test_an_extension_is_refused_with_every_reason_keyed_by_field(p2_due, staff):
    count = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.deadline_extension_grant(
            phase=p2_due, consortium=team("NAVER"), deadline=DUE, reason="   ", actor=staff
        )
    assert refusal(excinfo) == {
        "consortium": [f"{team('NAVER')} does not take part in {p2_due}."],
        "deadline": [
            "The extended deadline must be after the phase's results submission deadline "
            "(2026-12-31 18:00 KST)."
        ],
        "reason": ["An extension needs a written reason."],
    }
    assert DeadlineExtension.objects.count() == 0
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_an_extension_needs_a_phase_deadline_to_extend(p2_ready, staff):
    with pytest.raises(ValidationError) as excinfo:
        services.deadline_extension_grant(
            phase=p2_ready, consortium=team("LG"), deadline=LG_DUE, reason="outage", actor=staff
        )
    assert refusal(excinfo) == {
        "deadline": [
            f"{p2_ready} has no results submission deadline to extend; set the phase's deadline first."
        ]
    }


@pytest.mark.django_db
def test_only_staff_grant_extensions_and_only_while_uploads_can_happen(p2_due, staff, lg_member, make_user):
    for actor in (lg_member, make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            services.deadline_extension_grant(
                phase=p2_due, consortium=team("LG"), deadline=LG_DUE, reason="x", actor=actor
            )
    Phase.objects.filter(pk=p2_due.pk).update(status=Phase.Status.EVALUATING)
    with pytest.raises(ValidationError, match="granting a deadline extension is not possible"):
        services.deadline_extension_grant(
            phase=p2_due, consortium=team("LG"), deadline=LG_DUE, reason="x", actor=staff
        )
    assert DeadlineExtension.objects.count() == 0


@pytest.mark.django_db
def test_revoking_an_extension_is_audited_and_the_team_faces_the_phase_deadline_again(
    p2_due, staff, lg_member
):
    extension = services.deadline_extension_grant(
        phase=p2_due, consortium=team("LG"), deadline=LG_DUE, reason="outage", actor=staff
    )
    pk = extension.pk
    services.deadline_extension_revoke(extension=extension, actor=staff)
    assert not DeadlineExtension.objects.filter(pk=pk).exists()
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_id, event.before["reason"]) == (
        AuditEvent.Action.DELETE,
        str(pk),
        "outage",
    )
    with pytest.raises(ValidationError):
        upload(p2_due, "LG", lg_member, DUE)


# --- score sheets at the scoring deadline -------------------------------------------------------------


@pytest.fixture
def lg_sheet(p2_due, staff, make_user):
    evaluator = make_user(Role.EVALUATOR, organization=EVALUATOR_ORG)
    assignment = services.evaluator_assign(
        phase=p2_due, consortium=team("LG"), evaluator=evaluator, actor=staff
    )
    return ScoreSheet.objects.get(assignment=assignment), evaluator


def save(sheet, evaluator, at, *, submit=False):
    scores = [services.ScoreInput(c.pk, Decimal("5"), "ok") for c in p2_criteria()]
    with time_machine.travel(at, tick=False):
        return services.score_sheet_save(
            sheet=sheet, actor=evaluator, expected_version=sheet.version, scores=scores, submit=submit
        )


@pytest.mark.django_db
def test_a_score_sheet_is_saved_up_to_the_scoring_deadline_and_refused_at_it(lg_sheet):
    sheet, evaluator = lg_sheet
    saved = save(sheet, evaluator, SCORING_DUE - SECOND)
    assert saved.version == 2
    for submit in (False, True):
        with pytest.raises(ValidationError) as excinfo:
            save(saved, evaluator, SCORING_DUE, submit=submit)
        assert excinfo.value.messages == ["The scoring deadline (2027-01-08 18:00 KST) has passed."]
        assert excinfo.value.code == "scoring_deadline_passed"
    stored = ScoreSheet.objects.get(pk=sheet.pk)
    assert (stored.version, stored.status) == (2, ScoreSheet.Status.DRAFT)


@pytest.mark.django_db
def test_an_upload_extension_does_not_extend_scoring(lg_sheet, staff):
    sheet, evaluator = lg_sheet
    services.deadline_extension_grant(
        phase=sheet.assignment.phase,
        consortium=team("LG"),
        deadline=SCORING_DUE + dt.timedelta(days=2),
        reason="outage",
        actor=staff,
    )
    with pytest.raises(ValidationError, match="scoring deadline"):
        save(sheet, evaluator, SCORING_DUE + SECOND)
