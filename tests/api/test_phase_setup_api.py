"""A phase's set-up through /api/v1/: the same services as the set-up page, so the same refusals, each a
400 naming its field (a phase in the wrong state: 400 ``phase_status``, as the status actions answer)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from common.models import AuditEvent
from common.roles import Role
from evaluations.models import (
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_api(api_as):
    return api_as(Role.MINISTRY_STAFF)


def p2() -> Phase:
    return Phase.objects.get(code="P2")


def test_staff_create_a_phase_and_bad_input_names_the_field(staff_api, kai_program):
    response = staff_api.post(
        "/api/v1/phases/",
        {"program": kai_program.code, "code": "P4", "name": "Extra", "teams_advancing": 1, "teams_in": 2},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["order"], body["frontier_threshold"]) == ("draft", 5, "0.950")
    assert AuditEvent.objects.order_by("id").last().object_id == str(body["id"])
    count = Phase.objects.count()
    again = staff_api.post(
        "/api/v1/phases/",
        {"program": kai_program.code, "code": "P4", "name": "x", "teams_advancing": 1},
        format="json",
    )
    assert again.status_code == 400
    assert list(again.json()["errors"]) == ["code"]
    dates = staff_api.post(
        "/api/v1/phases/",
        {
            "program": kai_program.code,
            "code": "P5",
            "name": "x",
            "teams_advancing": 1,
            "evaluation_start": "2026-12-10",
            "result_on": "2026-12-01",
        },
        format="json",
    )
    assert dates.status_code == 400
    assert list(dates.json()["errors"]) == ["result_on"]
    assert Phase.objects.count() == count


def test_staff_patch_a_phase_partially(staff_api, kai_program):
    url = f"/api/v1/phases/{p2().pk}/"
    response = staff_api.patch(url, {"teams_advancing": 2, "frontier_threshold": "0.9"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["teams_advancing"], response.json()["frontier_threshold"]) == (2, "0.900")
    assert response.json()["name"] == "2차 단계평가"
    refused = staff_api.patch(url, {"teams_advancing": 4}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["teams_advancing"]
    assert p2().teams_advancing == 2


def test_frozen_phase_is_refused_like_any_input_edit(staff_api, p2_complete):
    """A set-up edit on an evaluating phase is refused as every other input edit is (400, phase_status); a
    transition from the wrong state is a 409 (test_lifecycle_api)."""
    url = f"/api/v1/phases/{p2().pk}/"
    patch = staff_api.patch(url, {"name": "late"}, format="json")
    assert (patch.status_code, patch.json()["code"]) == (400, "phase_status")
    component = RubricComponent.objects.get(phase=p2(), key="user")
    delete = staff_api.delete(f"/api/v1/rubric-components/{component.pk}/")
    assert (delete.status_code, delete.json()["code"]) == (400, "phase_status")
    assert p2().name == "2차 단계평가"


def test_next_phase_from_p2(staff_api, p2_ready):
    response = staff_api.post(
        f"/api/v1/phases/{p2_ready.pk}/next/",
        {"code": "FINAL", "name": "최종 평가", "teams_advancing": 2, "result_on": "2026-12-15"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["source"], body["teams"], body["source_finalized"]) == (
        "P2",
        ["LG", "MOTIF", "SKT", "UPSTAGE"],
        False,
    )
    assert [c["key"] for c in body["phase"]["components"]] == ["benchmark", "expert", "user"]
    assert [g["key"] for g in body["phase"]["gates"]] == ["originality"]
    assert sorted(b["benchmark"] for b in body["phase"]["benchmark_set"]) == ["GPQA-Diamond", "MMLU-Pro"]
    participants = staff_api.get("/api/v1/phase-participants/", {"phase": "FINAL"}).json()["results"]
    assert [p["consortium"] for p in participants] == ["LG", "MOTIF", "SKT", "UPSTAGE"]
    for body, field in (
        ({"code": "P3", "teams_advancing": 2}, "code"),
        ({"code": "X9", "teams_advancing": 4}, "teams_advancing"),
    ):
        refused = staff_api.post(f"/api/v1/phases/{p2_ready.pk}/next/", {"name": "x", **body}, format="json")
        assert refused.status_code == 400
        assert list(refused.json()["errors"]) == [field]
    assert not Phase.objects.filter(code="X9").exists()


def test_rubric_components_criteria_and_gates_crud(staff_api, p2):
    created = staff_api.post(
        "/api/v1/rubric-components/",
        {
            "phase": "P2",
            "key": "safety",
            "name": "Safety",
            "weight": "0",
            "max_points": "10",
            "source": "evaluators",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    component = created.json()["id"]
    criterion = staff_api.post(
        "/api/v1/rubric-criteria/",
        {"component": component, "key": "red_team", "name": "Red team", "max_points": "8"},
        format="json",
    )
    assert criterion.status_code == 201, criterion.content
    assert RubricComponent.objects.get(pk=component).max_points == D(8)
    patched = staff_api.patch(
        f"/api/v1/rubric-criteria/{criterion.json()['id']}/", {"max_points": "6"}, format="json"
    )
    assert (patched.status_code, patched.json()["max_points"]) == (200, "6.00")
    assert RubricComponent.objects.get(pk=component).max_points == D(6)
    weight = staff_api.patch(
        f"/api/v1/rubric-components/{component}/", {"weight": "5", "panel_size": 3}, format="json"
    )
    assert (weight.status_code, weight.json()["weight"], weight.json()["panel_size"]) == (200, "5.00", 3)
    # The all-at-once weights form refuses a total other than 100 and says the current one.
    weights = staff_api.post(
        f"/api/v1/phases/{p2.pk}/weights/",
        {"weights": {"benchmark": 40, "expert": 35, "user": 25, "safety": 5}},
        format="json",
    )
    assert weights.status_code == 400
    assert "105" in weights.json()["detail"]
    assert staff_api.delete(f"/api/v1/rubric-criteria/{criterion.json()['id']}/").status_code == 204
    assert staff_api.delete(f"/api/v1/rubric-components/{component}/").status_code == 204
    assert not RubricComponent.objects.filter(phase=p2, key="safety").exists()

    gate = staff_api.post(
        "/api/v1/gates/",
        {"phase": "P2", "key": "safety", "name": "Safety", "description": "KGC"},
        format="json",
    )
    assert gate.status_code == 201, gate.content
    patched = staff_api.patch(
        f"/api/v1/gates/{gate.json()['id']}/", {"description": "KGC-Safety"}, format="json"
    )
    assert patched.json()["description"] == "KGC-Safety"
    assert staff_api.delete(f"/api/v1/gates/{gate.json()['id']}/").status_code == 204
    assert list(RubricGate.objects.filter(phase=p2).values_list("key", flat=True)) == ["originality"]


def test_benchmark_set_targets_and_reference_scores(staff_api, p2):
    added = staff_api.post(
        "/api/v1/phase-benchmarks/",
        {"phase": "P2", "benchmark": "HLE", "group": "team_specific", "consortium": "LG"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["consortium"] == "LG"
    common = staff_api.post(
        "/api/v1/phase-benchmarks/", {"phase": "P2", "benchmark": "HLE", "group": "common"}, format="json"
    )
    assert common.status_code == 201
    duplicate = staff_api.post(
        "/api/v1/phase-benchmarks/", {"phase": "P2", "benchmark": "HLE", "group": "agency"}, format="json"
    )
    assert duplicate.status_code == 400
    assert list(duplicate.json()["errors"]) == ["benchmark"]
    assert staff_api.delete(f"/api/v1/phase-benchmarks/{added.json()['id']}/").status_code == 204
    assert list(PhaseBenchmark.objects.filter(phase=p2).values_list("benchmark__code", "consortium")) == [
        ("HLE", None)
    ]

    target = staff_api.post(
        "/api/v1/target-models/",
        {"phase": "P2", "consortium": "LG", "reference_model": "GPT-5.2"},
        format="json",
    )
    assert target.status_code == 201, target.content
    again = staff_api.patch(
        f"/api/v1/target-models/{target.json()['id']}/", {"reference_model": "Gemini-3-Pro"}, format="json"
    )
    assert again.json()["reference_model"] == "Gemini-3-Pro"
    assert TargetModel.objects.get(phase=p2, consortium__code="LG").reference_model == "Gemini-3-Pro"
    outsider = staff_api.post(
        "/api/v1/target-models/", {"phase": "P2", "consortium": "NCAI", "reference_model": "X"}, format="json"
    )
    assert outsider.status_code == 400

    score = staff_api.post(
        "/api/v1/reference-scores/",
        {"benchmark": "HLE", "reference_model": "Gemini-3-Pro-Preview", "score": "37.5"},
        format="json",
    )
    assert score.status_code == 201, score.content
    corrected = staff_api.patch(
        f"/api/v1/reference-scores/{score.json()['id']}/", {"score": "38"}, format="json"
    )
    assert corrected.json()["score"] == "38.000"
    bad = staff_api.post(
        "/api/v1/reference-scores/",
        {"benchmark": "HLE", "reference_model": "X", "score": "101"},
        format="json",
    )
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["score"]
    assert not ReferenceScore.objects.filter(reference_model="X").exists()


def test_participants_add_and_remove(staff_api, p2, kai_program):
    for code, expected in (("NCAI", "no longer active"), ("LG", "already takes part")):
        response = staff_api.post(
            "/api/v1/phase-participants/", {"phase": "P2", "consortium": code}, format="json"
        )
        assert response.status_code == 400
        assert expected in response.json()["errors"]["consortium"][0]
    lg = PhaseParticipant.objects.get(phase=p2, consortium__code="LG")
    removed = staff_api.delete(f"/api/v1/phase-participants/{lg.pk}/")
    assert (removed.status_code, removed.json()["code"]) == (400, "phase_status")
    draft = staff_api.post(
        "/api/v1/phases/",
        {"program": kai_program.code, "code": "P4", "name": "x", "teams_advancing": 1},
        format="json",
    ).json()
    added = staff_api.post("/api/v1/phase-participants/", {"phase": "P4", "consortium": "LG"}, format="json")
    assert added.status_code == 201, added.content
    assert staff_api.delete(f"/api/v1/phase-participants/{added.json()['id']}/").status_code == 204
    assert not PhaseParticipant.objects.filter(phase_id=draft["id"]).exists()


def test_members_read_the_set_up_but_cannot_change_it(api_as, p2):
    member = api_as(Role.CONSORTIUM_MEMBER)
    assert member.get("/api/v1/rubric-components/", {"phase": "P2"}).json()["count"] == 3
    assert member.get("/api/v1/rubric-criteria/", {"phase": "P2"}).json()["count"] == 4
    assert member.get("/api/v1/reference-scores/", {"benchmark": "MMLU-Pro"}).json()["count"] == 3
    gate = RubricGate.objects.get(phase=p2)
    assert member.patch(f"/api/v1/gates/{gate.pk}/", {"name": "x"}, format="json").status_code == 403
    criterion = RubricCriterion.objects.filter(component__phase=p2).first()
    assert member.delete(f"/api/v1/rubric-criteria/{criterion.pk}/").status_code == 403
    assert RubricCriterion.objects.filter(pk=criterion.pk).exists()
