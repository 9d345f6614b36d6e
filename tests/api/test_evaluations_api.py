from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import Benchmark, Phase, RubricCriterion, ScoreSheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def p2_two_benchmarks(kai_program, role_users):
    """P2 with a common benchmark set of MMLU-Pro and GPQA-Diamond (target models as shipped)."""
    from evaluations.models import PhaseBenchmark

    phase = Phase.objects.get(code="P2")
    PhaseBenchmark.objects.filter(phase=phase).delete()  # the tests state their own set
    staff = role_users[Role.MINISTRY_STAFF]
    for code in ("MMLU-Pro", "GPQA-Diamond"):
        services.phase_benchmark_add(
            phase=phase, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff
        )
    return phase


def _file(name: str, body: str | bytes):
    return SimpleUploadedFile(name, body.encode("utf-8") if isinstance(body, str) else body)


def test_member_upload_through_api_reports_every_row_error_and_stores_nothing(api_as, p2_two_benchmarks):
    client = api_as(Role.CONSORTIUM_MEMBER)
    bad = "benchmark,score\nMMLU-Pro,abc\nNOPE,50\nGPQA-Diamond,101\nMMLU-Pro,80\n"
    response = client.post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "LG", "file": _file("r.csv", bad)},
        format="multipart",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "upload_rejected" and body["file"] == "r.csv"
    by_row = {(e["row"], e["column"]) for e in body["errors"]}
    assert {(2, "score"), (3, "benchmark"), (4, "score"), (5, "benchmark")} <= by_row
    assert client.get("/api/v1/result-uploads/").json()["results"] == []


def test_member_upload_then_reupload_keeps_history(api_as, p2_two_benchmarks):
    client = api_as(Role.CONSORTIUM_MEMBER)
    first = client.post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "LG", "file": _file("r.csv", "benchmark,score\nMMLU-Pro,80\n")},
        format="multipart",
    )
    assert first.status_code == 201, first.content
    assert first.json()["rows"] == [
        {"benchmark": "MMLU-Pro", "score": "80.0000", "model_version": "", "notes": "", "source_row": 2}
    ]
    second = client.post(
        "/api/v1/result-uploads/",
        {
            "phase": "P2",
            "consortium": "LG",
            "file": _file("r.json", '[{"benchmark": "MMLU-Pro", "score": 82.5}]'),
        },
        format="multipart",
    )
    assert second.status_code == 201
    listed = client.get("/api/v1/result-uploads/").json()["results"]
    assert [(u["display_name"], u["is_current"]) for u in listed] == [("r.json", True), ("r.csv", False)]


def test_member_cannot_upload_for_another_team_or_see_its_uploads(api_as, p2_two_benchmarks, make_user):
    response = api_as(Role.CONSORTIUM_MEMBER).post(
        "/api/v1/result-uploads/",
        {"phase": "P2", "consortium": "SKT", "file": _file("r.csv", "benchmark,score\nMMLU-Pro,80\n")},
        format="multipart",
    )
    assert response.status_code == 403
    skt_member = make_user(Role.CONSORTIUM_MEMBER, organization="SK Telecom", consortium="SKT")
    from evaluations.services import result_upload_create

    upload = result_upload_create(
        phase=p2_two_benchmarks,
        consortium=Consortium.objects.get(code="SKT"),
        file=_file("s.csv", "benchmark,score\nMMLU-Pro,70\n"),
        actor=skt_member,
    )
    lg_client = api_as(Role.CONSORTIUM_MEMBER)
    assert lg_client.get("/api/v1/result-uploads/").json()["results"] == []
    assert lg_client.get(f"/api/v1/result-uploads/{upload.pk}/").status_code == 404
    assert (
        api_as(Role.AUDITOR).get(f"/api/v1/result-uploads/{upload.pk}/").json()["rows"][0]["score"]
        == "70.0000"
    )


def test_assignment_conflict_of_interest_is_refused_with_reason(api_as, p2_two_benchmarks, make_user):
    kaist = make_user(Role.EVALUATOR, organization="KAIST")
    response = api_as(Role.MINISTRY_STAFF).post(
        "/api/v1/assignments/",
        {"phase": "P2", "consortium": "UPSTAGE", "evaluator": kaist.username},
        format="json",
    )
    assert response.status_code == 400
    assert "KAIST" in response.json()["detail"]
    ok = api_as(Role.MINISTRY_STAFF).post(
        "/api/v1/assignments/",
        {"phase": "P2", "consortium": "LG", "evaluator": kaist.username},
        format="json",
    )
    assert ok.status_code == 201


def test_score_sheet_stale_write_is_409_and_nothing_is_overwritten(api_as, p2_two_benchmarks, role_users):
    evaluator = role_users[Role.EVALUATOR]
    assignment = services.evaluator_assign(
        phase=p2_two_benchmarks,
        consortium=Consortium.objects.get(code="LG"),
        evaluator=evaluator,
        actor=role_users[Role.MINISTRY_STAFF],
    )
    sheet = ScoreSheet.objects.get(assignment=assignment)
    criterion = (
        RubricCriterion.objects.filter(component__phase=p2_two_benchmarks, component__key="expert")
        .order_by("order")
        .first()
    )
    client = api_as(Role.EVALUATOR)
    saved = client.put(
        f"/api/v1/score-sheets/{sheet.pk}/",
        {
            "version": sheet.version,
            "scores": [{"criterion": criterion.pk, "points": "7.5", "comment": "good"}],
        },
        format="json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == sheet.version + 1
    stale = client.put(
        f"/api/v1/score-sheets/{sheet.pk}/",
        {"version": sheet.version, "scores": [{"criterion": criterion.pk, "points": "1", "comment": "late"}]},
        format="json",
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale"
    assert "version 2" in stale.json()["detail"]
    current = client.get(f"/api/v1/score-sheets/{sheet.pk}/").json()
    assert current["scores"][0]["points"] == "7.50" and current["scores"][0]["comment"] == "good"


def test_other_evaluator_cannot_see_or_edit_the_sheet(api_as, p2_two_benchmarks, role_users, make_user):
    evaluator = role_users[Role.EVALUATOR]
    assignment = services.evaluator_assign(
        phase=p2_two_benchmarks,
        consortium=Consortium.objects.get(code="LG"),
        evaluator=evaluator,
        actor=role_users[Role.MINISTRY_STAFF],
    )
    sheet = ScoreSheet.objects.get(assignment=assignment)
    other = make_user(Role.EVALUATOR, organization="National Information Society Agency")
    from rest_framework.test import APIClient

    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(other)
    assert client.get("/api/v1/score-sheets/").json()["results"] == []
    assert (
        client.put(
            f"/api/v1/score-sheets/{sheet.pk}/", {"version": 1, "scores": []}, format="json"
        ).status_code
        == 404
    )


def test_standings_and_finalize_preview_for_p1(api_as, kai_program):
    # The loader's recompute is enqueued on commit, which a test transaction never reaches.
    for code in ("P1", "P2"):
        services.standings_recompute(phase_id=Phase.objects.get(code=code).pk, trigger="test")
    standings = api_as(Role.CONSORTIUM_MEMBER).get("/api/v1/standings/", {"phase": "P1"}).json()["results"]
    assert len(standings) == 1 and standings[0]["phase"] == "P1" and standings[0]["is_stale"] is False
    # P2 is still open: its working table is not shown to consortium members.
    assert api_as(Role.CONSORTIUM_MEMBER).get("/api/v1/standings/", {"phase": "P2"}).json()["results"] == []
    assert len(api_as(Role.AUDITOR).get("/api/v1/standings/", {"phase": "P2"}).json()["results"]) == 1
    rows = {r["label"]: r for r in standings[0]["table"]}
    assert [r["outcome"] for r in sorted(rows.values(), key=lambda r: r["rank"])] == [
        "advances",
        "disqualified_by_gate",
        "advances",
        "advances",
        "eliminated_on_points",
    ]


def test_what_if_changes_nothing(api_as, kai_program):
    p1 = Phase.objects.get(code="P1")
    services.standings_recompute(phase_id=p1.pk, trigger="test")
    before = p1.snapshots.count()
    response = api_as(Role.AUDITOR).post(f"/api/v1/phases/{p1.pk}/what-if/", {"cut_count": 2}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["changes"] == [{"team": "UPSTAGE", "current": "advances", "what_if": "eliminated_on_points"}]
    assert p1.snapshots.count() == before
    bad = api_as(Role.AUDITOR).post(
        f"/api/v1/phases/{p1.pk}/what-if/", {"weights": {"benchmark": "50", "expert": "50"}}, format="json"
    )
    assert bad.status_code == 400
    assert "weights" in bad.json()["detail"]


def test_weights_frozen_once_evaluating(api_as, kai_program):
    p1 = Phase.objects.get(code="P1")
    response = api_as(Role.MINISTRY_STAFF).post(
        f"/api/v1/phases/{p1.pk}/weights/",
        {"weights": {"benchmark": "40", "expert": "35", "user": "25"}},
        format="json",
    )
    assert response.status_code == 400
    assert Decimal(p1.components.get(key="benchmark").weight) == Decimal("40")


def test_gate_failure_needs_reason(api_as, p2_two_benchmarks):
    response = api_as(Role.MINISTRY_STAFF).post(
        "/api/v1/gate-results/",
        {"phase": "P2", "gate": "originality", "consortium": "LG", "passed": False},
        format="json",
    )
    assert response.status_code == 400
    assert "written reason" in response.json()["detail"]
