"""Deadlines over the API: the phase's two deadlines (read on the phase, set by staff with PUT), the
extensions endpoint, and the upload and score-sheet refusals (400 naming the field and the deadline in
KST) at the exact boundary, with a controlled clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from common.models import AuditEvent
from common.roles import Role
from evaluations import services
from evaluations.deadlines import KST
from evaluations.models import Benchmark, DeadlineExtension, Phase, PhaseBenchmark, ResultUpload, ScoreSheet
from tests.p2_data import p2_criteria, team

pytestmark = pytest.mark.django_db

DUE = dt.datetime(2026, 12, 31, 18, 0, tzinfo=KST)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def p2_due(kai_program, role_users) -> Phase:
    """P2 with a two-benchmark common set, results due 2026-12-31 18:00 KST, scoring due a week later."""
    phase = Phase.objects.get(code="P2")
    PhaseBenchmark.objects.filter(phase=phase).delete()
    staff = role_users[Role.MINISTRY_STAFF]
    for code in ("MMLU-Pro", "GPQA-Diamond"):
        services.phase_benchmark_add(
            phase=phase, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff
        )
    return services.phase_deadlines_set(
        phase=phase, submission_deadline=DUE, scoring_deadline=DUE + dt.timedelta(days=7), actor=staff
    )


def post_upload(client, at):
    body = SimpleUploadedFile("r.csv", b"benchmark,score\nMMLU-Pro,80\nGPQA-Diamond,70\n")
    with time_machine.travel(at, tick=False):
        return client.post(
            "/api/v1/result-uploads/", {"phase": "P2", "consortium": "LG", "file": body}, format="multipart"
        )


def test_phase_shows_both_deadlines_in_iso_8601_with_the_kst_offset(api_as, p2_due):
    body = api_as(Role.CONSORTIUM_MEMBER).get(f"/api/v1/phases/{p2_due.pk}/").json()
    assert body["submission_deadline"] == "2026-12-31T18:00:00+09:00"
    assert body["scoring_deadline"] == "2027-01-07T18:00:00+09:00"
    p1 = api_as(Role.AUDITOR).get("/api/v1/phases/", {"code": "P1"}).json()["results"][0]
    assert (p1["submission_deadline"], p1["scoring_deadline"]) == (None, None)


def test_upload_over_the_api_at_the_boundary(api_as, p2_due):
    client = api_as(Role.CONSORTIUM_MEMBER)
    accepted = post_upload(client, DUE - SECOND)
    assert accepted.status_code == 201, accepted.content
    refused = post_upload(client, DUE)
    assert refused.status_code == 400
    assert refused.json() == {
        "detail": "phase: The results submission deadline (2026-12-31 18:00 KST) has passed.",
        "code": "invalid",
        "errors": {"phase": ["The results submission deadline (2026-12-31 18:00 KST) has passed."]},
    }
    assert ResultUpload.objects.filter(phase=p2_due).count() == 1


def test_the_refusal_is_korean_for_a_korean_client(api_as, p2_due):
    client = api_as(Role.CONSORTIUM_MEMBER)
    client.credentials(HTTP_ACCEPT_LANGUAGE="ko")
    refused = post_upload(client, DUE + dt.timedelta(minutes=5))
    assert refused.json()["errors"] == {"phase": ["결과 제출 마감(2026-12-31 18:00 KST)이 지났습니다."]}


def test_staff_put_the_deadlines_and_bad_ones_are_refused_naming_the_field(api_as, p2_due):
    client = api_as(Role.MINISTRY_STAFF)
    url = f"/api/v1/phases/{p2_due.pk}/deadlines/"
    moved = client.put(
        url, {"submission_deadline": "2027-01-05T18:00:00+09:00", "scoring_deadline": None}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert (moved.json()["submission_deadline"], moved.json()["scoring_deadline"]) == (
        "2027-01-05T18:00:00+09:00",
        None,
    )
    # Without an offset the time is read as KST.
    naive = client.put(
        url, {"submission_deadline": "2027-01-06T09:30", "scoring_deadline": None}, format="json"
    )
    assert naive.json()["submission_deadline"] == "2027-01-06T09:30:00+09:00"
    early = client.put(
        url,
        {"submission_deadline": "2026-01-14T23:59:00+09:00", "scoring_deadline": "2026-01-14T00:00:00Z"},
        format="json",
    )
    assert early.status_code == 400
    assert early.json()["errors"] == {
        "submission_deadline": [
            "The results submission deadline (2026-01-14 23:59 KST) cannot be before the phase opens "
            "(2026-01-15 00:00 KST)."
        ],
        "scoring_deadline": [
            "The scoring deadline (2026-01-14 09:00 KST) cannot be before the phase opens "
            "(2026-01-15 00:00 KST)."
        ],
    }
    missing = client.put(url, {"submission_deadline": None}, format="json")
    assert missing.status_code == 400 and list(missing.json()["errors"]) == ["scoring_deadline"]
    assert Phase.objects.get(pk=p2_due.pk).submission_deadline == dt.datetime(2027, 1, 6, 9, 30, tzinfo=KST)


def test_extension_lets_that_team_upload_over_the_api(api_as, p2_due):
    staff = api_as(Role.MINISTRY_STAFF)
    granted = staff.post(
        "/api/v1/deadline-extensions/",
        {"phase": "P2", "consortium": "LG", "deadline": "2027-01-02T12:00:00+09:00", "reason": "GPU outage"},
        format="json",
    )
    assert granted.status_code == 201, granted.content
    body = granted.json()
    assert {k: body[k] for k in ("phase", "consortium", "deadline", "reason", "granted_by")} == {
        "phase": "P2",
        "consortium": "LG",
        "deadline": "2027-01-02T12:00:00+09:00",
        "reason": "GPU outage",
        "granted_by": DeadlineExtension.objects.get().granted_by.username,
    }
    assert post_upload(api_as(Role.CONSORTIUM_MEMBER), DUE + dt.timedelta(days=1)).status_code == 201


def test_extension_refusals_name_each_field(api_as, p2_due):
    response = api_as(Role.MINISTRY_STAFF).post(
        "/api/v1/deadline-extensions/",
        {"phase": "P2", "consortium": "NAVER", "deadline": "2026-12-31T17:00:00+09:00", "reason": " "},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"consortium", "deadline", "reason"}
    assert response.json()["errors"]["reason"] == ["An extension needs a written reason."]
    assert DeadlineExtension.objects.count() == 0


def test_extension_list_is_scoped_and_delete_withdraws(api_as, p2_due, role_users):
    staff_user = role_users[Role.MINISTRY_STAFF]
    for code in ("LG", "SKT"):
        services.deadline_extension_grant(
            phase=p2_due,
            consortium=team(code),
            deadline=DUE + dt.timedelta(days=1),
            reason="x",
            actor=staff_user,
        )

    def codes(role, **params):
        return [
            row["consortium"]
            for row in api_as(role).get("/api/v1/deadline-extensions/", params).json()["results"]
        ]

    assert codes(Role.MINISTRY_STAFF) == ["LG", "SKT"]
    assert codes(Role.AUDITOR) == ["LG", "SKT"]
    assert codes(Role.AUDITOR, consortium="SKT") == ["SKT"]
    assert codes(Role.CONSORTIUM_MEMBER) == ["LG"]
    assert api_as(Role.EVALUATOR).get("/api/v1/deadline-extensions/").status_code == 403
    skt = DeadlineExtension.objects.get(consortium__code="SKT")
    assert api_as(Role.CONSORTIUM_MEMBER).get(f"/api/v1/deadline-extensions/{skt.pk}/").status_code == 404
    assert api_as(Role.MINISTRY_STAFF).delete(f"/api/v1/deadline-extensions/{skt.pk}/").status_code == 204
    assert codes(Role.MINISTRY_STAFF) == ["LG"]
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.object_type, event.object_id) == (
        AuditEvent.Action.DELETE,
        "evaluations.deadlineextension",
        str(skt.pk),
    )


def test_score_sheet_save_after_the_scoring_deadline_is_refused_over_the_api(api_as, p2_due, role_users):
    evaluator = role_users[Role.EVALUATOR]
    assignment = services.evaluator_assign(
        phase=p2_due, consortium=team("LG"), evaluator=evaluator, actor=role_users[Role.MINISTRY_STAFF]
    )
    sheet = ScoreSheet.objects.get(assignment=assignment)
    scores = [{"criterion": c.pk, "points": "5"} for c in p2_criteria()]
    with time_machine.travel(p2_due.scoring_deadline, tick=False):
        response = api_as(Role.EVALUATOR).put(
            f"/api/v1/score-sheets/{sheet.pk}/", {"version": 1, "scores": scores}, format="json"
        )
    assert response.status_code == 400
    assert response.json()["detail"] == "The scoring deadline (2027-01-07 18:00 KST) has passed."
    assert response.json()["code"] == "scoring_deadline_passed"
    assert ScoreSheet.objects.get(pk=sheet.pk).version == 1
