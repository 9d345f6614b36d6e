"""Evaluations services: rubric freeze, gates, panel results, conflicts of interest, stale edits,
finalize (with its preview) and what-if."""

from __future__ import annotations

from decimal import Decimal as D
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations import standings as pure
from evaluations.models import (
    EvaluatorAssignment,
    GateResult,
    Phase,
    PhaseParticipant,
    RubricComponent,
    ScoreSheet,
    StandingsSnapshot,
)
from evaluations.selectors import standings_latest
from tests.p2_data import p2_component, p2_criteria, p2_gate, team

pytestmark = pytest.mark.django_db


def actions() -> list[tuple[str, str]]:
    return list(AuditEvent.objects.order_by("id").values_list("action", "object_type"))


# --- rubric ----------------------------------------------------------------------------------------------


def test_weights_editable_while_open_then_frozen(p2, staff):
    services.rubric_weights_set(
        phase=p2, weights={"benchmark": D(50), "expert": D(30), "user": D(20)}, actor=staff
    )
    assert dict(RubricComponent.objects.filter(phase=p2).values_list("key", "weight")) == {
        "benchmark": D(50),
        "expert": D(30),
        "user": D(20),
    }
    event = AuditEvent.objects.order_by("id").last()
    assert (event.action, event.object_type, event.context["extra"]) == (
        "update",
        "evaluations.phase",
        {"event": "rubric_weights_set"},
    )
    assert event.after == {"weights": {"benchmark": "50", "expert": "30", "user": "20"}}
    with pytest.raises(ValidationError, match="add up to 100"):
        services.rubric_weights_set(
            phase=p2, weights={"benchmark": D(50), "expert": D(30), "user": D(10)}, actor=staff
        )
    with pytest.raises(ValidationError, match="exactly these components"):
        services.rubric_weights_set(phase=p2, weights={"benchmark": D(100)}, actor=staff)
    services.phase_begin_evaluation(phase=p2, actor=staff)
    with pytest.raises(ValidationError, match="not possible while 2차 단계평가 is Evaluating"):
        services.rubric_weights_set(
            phase=p2, weights={"benchmark": D(40), "expert": D(35), "user": D(25)}, actor=staff
        )
    with pytest.raises(ValidationError):
        services.rubric_gate_create(phase=p2, key="safety", name="Safety", actor=staff)


def test_rubric_changes_need_staff(p2, make_evaluator):
    with pytest.raises(PermissionDenied):
        services.rubric_weights_set(
            phase=p2, weights={"benchmark": D(40), "expert": D(35), "user": D(25)}, actor=make_evaluator()
        )


def test_rubric_build_up_on_a_draft_phase(kai_program, staff):
    p3 = Phase.objects.get(code="P3")
    services.phase_participant_add(phase=p3, consortium=team("LG"), actor=staff)  # opening needs a team
    bench = services.rubric_component_create(
        phase=p3, key="benchmark", name="B", weight=D(60), source="benchmarks", actor=staff
    )
    with pytest.raises(ValidationError, match="needs a benchmark group"):
        services.rubric_criterion_create(component=bench, key="c", name="C", max_points=D(30), actor=staff)
    services.rubric_criterion_create(
        component=bench, key="c", name="C", max_points=D(30), benchmark_group="common", actor=staff
    )
    bench.refresh_from_db()
    assert bench.max_points == D(30)
    services.phase_open(phase=p3, actor=staff)
    with pytest.raises(ValidationError, match="add up to 60.00, not 100"):
        services.phase_begin_evaluation(phase=p3, actor=staff)
    assert actions()[-3:] == [
        ("create", "evaluations.rubriccomponent"),
        ("create", "evaluations.rubriccriterion"),
        ("update", "evaluations.phase"),
    ]
    assert Phase.objects.get(pk=p3.pk).status == Phase.Status.OPEN


# --- gates and panel results -----------------------------------------------------------------------------


def test_gate_failure_needs_a_written_reason(p2, staff):
    with pytest.raises(ValidationError, match="needs a written reason"):
        services.gate_result_record(
            gate=p2_gate(), consortium=team("LG"), passed=False, reason="  ", actor=staff
        )
    result = services.gate_result_record(
        gate=p2_gate(),
        consortium=team("LG"),
        passed=False,
        reason="Encoder weights copied.",
        evidence="weight similarity report",
        actor=staff,
    )
    assert (result.passed, result.decided_by) == (False, staff)
    services.gate_result_record(
        gate=p2_gate(), consortium=team("LG"), passed=True, reason="Appeal upheld", actor=staff
    )
    assert GateResult.objects.get(pk=result.pk).passed is True
    event = AuditEvent.objects.filter(object_type="evaluations.gateresult").order_by("id").last()
    assert event.action == "update"
    assert (event.before["passed"], event.after["passed"]) == (False, True)


def test_gate_for_a_team_outside_the_phase_is_refused(p2, staff):
    with pytest.raises(ValidationError, match="does not take part"):
        services.gate_result_record(
            gate=p2_gate(), consortium=team("NAVER"), passed=True, reason="", actor=staff
        )


def test_panel_result_checks_source_and_range(p2, staff):
    with pytest.raises(ValidationError, match="between 0 and 25"):
        services.panel_result_record(
            phase=p2, consortium=team("LG"), component=p2_component("user"), points=D("25.5"), actor=staff
        )
    with pytest.raises(ValidationError, match="not from a panel result"):
        services.panel_result_record(
            phase=p2, consortium=team("LG"), component=p2_component("expert"), points=D(3), actor=staff
        )
    result = services.panel_result_record(
        phase=p2,
        consortium=team("LG"),
        component=p2_component("user"),
        points=D("21.5"),
        panel_size=49,
        actor=staff,
    )
    assert (result.points, result.panel_size, result.entered_by) == (D("21.5"), 49, staff)


# --- evaluators ------------------------------------------------------------------------------------------


def test_conflict_of_interest_is_refused_with_the_reason(p2, staff, make_evaluator):
    # KAIST is a partner of SKT (and others): its people cannot evaluate SKT.
    kaist = make_evaluator(organization="KAIST")
    with pytest.raises(ValidationError) as excinfo:
        services.evaluator_assign(phase=p2, consortium=team("SKT"), evaluator=kaist, actor=staff)
    assert excinfo.value.messages == [
        f"Conflict of interest: {kaist} works for 한국과학기술원 (KAIST), "
        "which is a partner in SK텔레콤 컨소시엄; "
        "an evaluator cannot score a consortium their organization belongs to."
    ]
    lead = make_evaluator(organization="LG AI Research")
    with pytest.raises(ValidationError, match="which is a lead in LG AI연구원 컨소시엄"):
        services.evaluator_assign(phase=p2, consortium=team("LG"), evaluator=lead, actor=staff)
    # The same KAIST evaluator may evaluate a team KAIST is not part of.
    assert services.evaluator_assign(phase=p2, consortium=team("LG"), evaluator=kaist, actor=staff).pk
    assert not EvaluatorAssignment.objects.filter(consortium__code="SKT").exists()


def test_assignment_needs_an_evaluator(p2, staff, make_user):
    with pytest.raises(ValidationError, match="does not have the evaluator role"):
        services.evaluator_assign(
            phase=p2, consortium=team("LG"), evaluator=make_user(Role.AUDITOR), actor=staff
        )


@pytest.fixture
def sheet_and_evaluator(p2, staff, make_evaluator):
    evaluator = make_evaluator()
    assignment = services.evaluator_assign(phase=p2, consortium=team("LG"), evaluator=evaluator, actor=staff)
    return ScoreSheet.objects.get(assignment=assignment), evaluator


def test_stale_score_sheet_write_is_refused(sheet_and_evaluator):
    sheet, evaluator = sheet_and_evaluator
    technology = p2_criteria()[0]
    loaded_by_tab_a = loaded_by_tab_b = sheet.version
    services.score_sheet_save(
        sheet=sheet,
        actor=evaluator,
        expected_version=loaded_by_tab_a,
        scores=[services.ScoreInput(technology.pk, D(12), "first")],
    )
    with pytest.raises(ValidationError) as excinfo:
        services.score_sheet_save(
            sheet=sheet,
            actor=evaluator,
            expected_version=loaded_by_tab_b,
            scores=[services.ScoreInput(technology.pk, D(3), "second")],
        )
    assert excinfo.value.code == "stale"
    assert "changed by someone else (version 2; you edited version 1)" in excinfo.value.messages[0]
    assert sheet.scores.get().points == D(12)
    saved = services.score_sheet_save(
        sheet=sheet,
        actor=evaluator,
        expected_version=2,
        scores=[services.ScoreInput(technology.pk, D(3), "second")],
    )
    assert (saved.version, sheet.scores.get().comment) == (3, "second")


def test_score_sheet_checks_owner_range_and_completeness(sheet_and_evaluator, make_evaluator):
    sheet, evaluator = sheet_and_evaluator
    technology, originality, results = p2_criteria()
    with pytest.raises(PermissionDenied):
        services.score_sheet_save(sheet=sheet, actor=make_evaluator(), expected_version=1, scores=[])
    with pytest.raises(ValidationError, match="points must be between 0 and 15"):
        services.score_sheet_save(
            sheet=sheet,
            actor=evaluator,
            expected_version=1,
            scores=[services.ScoreInput(technology.pk, D(16))],
        )
    with pytest.raises(ValidationError, match="Score every criterion before submitting"):
        services.score_sheet_save(
            sheet=sheet,
            actor=evaluator,
            expected_version=1,
            scores=[services.ScoreInput(technology.pk, D(10))],
            submit=True,
        )
    submitted = services.score_sheet_save(
        sheet=sheet,
        actor=evaluator,
        expected_version=1,
        submit=True,
        scores=[services.ScoreInput(c.pk, D(5)) for c in (technology, originality, results)],
    )
    assert submitted.status == ScoreSheet.Status.SUBMITTED and submitted.submitted_at is not None
    assert actions().count(("update", "evaluations.scoresheet")) == 1  # the refused attempts left no trace


def test_draft_sheet_edits_do_not_mark_standings_stale(sheet_and_evaluator):
    sheet, evaluator = sheet_and_evaluator
    phase = sheet.assignment.phase
    generation = Phase.objects.get(pk=phase.pk).standings_generation
    services.score_sheet_save(
        sheet=sheet,
        actor=evaluator,
        expected_version=1,
        scores=[services.ScoreInput(p2_criteria()[0].pk, D(10))],
    )
    assert Phase.objects.get(pk=phase.pk).standings_generation == generation


# --- finalize --------------------------------------------------------------------------------------------


def test_finalize_preview_lists_what_will_change(p2_complete):
    preview = services.phase_finalize_preview(phase=p2_complete["phase"])
    assert preview.can_finalize
    assert (preview.advancing, preview.eliminated_on_points, preview.disqualified_by_gate) == (
        ["LG", "SKT", "UPSTAGE"],
        ["MOTIF"],
        [],
    )
    assert preview.next_phase.code == "P3"
    assert [(r.label, r.total) for r in preview.table.rows] == [
        ("LG", D("96.00")),
        ("SKT", D("86.00")),
        ("UPSTAGE", D("83.00")),
        ("MOTIF", D("71.00")),
    ]


def test_finalize_preview_reports_blocking_problems(p2_ready):
    preview = services.phase_finalize_preview(phase=p2_ready)
    assert not preview.can_finalize
    assert preview.problems[0] == "Only a phase that is evaluating can be finalized; 2차 단계평가 is Open."
    assert preview.not_ranked[0][0] == "LG"
    assert "no result for benchmark GPQA-Diamond" in preview.not_ranked[0][1]


def test_finalize_makes_outcomes_official_and_moves_teams_on(p2_complete, staff):
    from budget.models import Allocation

    phase = p2_complete["phase"]
    motif_active_before = Allocation.objects.filter(consortium__code="MOTIF", status="active").count()
    with mock.patch.object(pure, "compute_standings", wraps=pure.compute_standings) as compute:
        snapshot = services.phase_finalize(phase=phase, actor=staff)
    # Once, for the snapshot made official; the outcomes below are read from its rows.
    assert compute.call_count == 1
    phase.refresh_from_db()
    assert (phase.status, phase.finalized_by) == (Phase.Status.FINALIZED, staff)
    assert snapshot.is_official and StandingsSnapshot.objects.get(phase=phase, is_official=True) == snapshot
    assert dict(PhaseParticipant.objects.filter(phase=phase).values_list("consortium__code", "outcome")) == {
        "LG": "advances",
        "SKT": "advances",
        "UPSTAGE": "advances",
        "MOTIF": "eliminated_on_points",
    }
    motif = Consortium.objects.get(code="MOTIF")
    assert (motif.status, motif.left_on.isoformat(), motif.left_in_phase) == (
        "eliminated",
        "2026-08-14",
        phase,
    )
    assert "Eliminated on points in P2 (rank 4, 71.00 points)" == motif.exit_reason
    assert not Allocation.objects.filter(consortium=motif, status="active").exists()
    assert motif_active_before > 0  # the fixture gives MOTIF GPUs, so the freeze really happened
    assert sorted(
        PhaseParticipant.objects.filter(phase__code="P3").values_list("consortium__code", flat=True)
    ) == [
        "LG",
        "SKT",
        "UPSTAGE",
    ]
    assert ("finalize", "evaluations.phase") in actions()
    # Read-only from now on.
    with pytest.raises(ValidationError, match="finalized and read-only"):
        services.gate_result_record(
            gate=p2_gate(), consortium=team("LG"), passed=False, reason="late", actor=staff
        )
    sheet = p2_complete["sheets"]["LG"]
    with pytest.raises(ValidationError, match="finalized and read-only"):
        services.score_sheet_save(
            sheet=sheet, actor=p2_complete["evaluators"]["LG"], expected_version=sheet.version, scores=[]
        )
    with pytest.raises(ValidationError, match="finalized and read-only"):
        services.phase_finalize(phase=phase, actor=staff)


def test_finalize_with_a_gate_failure_disqualifies_without_freeing_a_place(p2_complete, staff):
    phase = p2_complete["phase"]
    services.gate_result_record(
        gate=p2_gate(), consortium=team("LG"), passed=False, reason="Derivative weights", actor=staff
    )
    services.phase_finalize(phase=phase, actor=staff)
    outcomes = dict(PhaseParticipant.objects.filter(phase=phase).values_list("consortium__code", "outcome"))
    assert outcomes == {
        "LG": "disqualified_by_gate",
        "SKT": "advances",
        "UPSTAGE": "advances",
        "MOTIF": "eliminated_on_points",
    }
    assert Consortium.objects.get(code="LG").exit_reason == "Disqualified in P2: failed gate(s) originality"


def test_finalize_refuses_missing_data_and_rolls_back(p2_complete, staff):
    phase = p2_complete["phase"]
    services.evaluator_unassign(assignment=p2_complete["sheets"]["SKT"].assignment, actor=staff)
    with pytest.raises(ValidationError, match="SKT is not ranked: no evaluators assigned for expert"):
        services.phase_finalize(phase=phase, actor=staff)
    assert Phase.objects.get(pk=phase.pk).status == Phase.Status.EVALUATING
    assert not StandingsSnapshot.objects.filter(is_official=True).exists()
    assert Consortium.objects.get(code="MOTIF").status == "active"


def test_finalize_needs_staff(p2_complete):
    with pytest.raises(PermissionDenied):
        services.phase_finalize(phase=p2_complete["phase"], actor=p2_complete["evaluators"]["LG"])


# --- what-if ---------------------------------------------------------------------------------------------


def test_what_if_other_weights_and_cut_without_saving(p2_complete):
    phase = p2_complete["phase"]
    snapshots = StandingsSnapshot.objects.count()
    result = services.standings_what_if(phase=phase, cut_count=2)
    assert result.changes == [("UPSTAGE", "advances", "eliminated_on_points")]
    heavy_user = services.standings_what_if(
        phase=phase, weights={"benchmark": D(10), "expert": D(10), "user": D(80)}
    )
    assert [r.label for r in heavy_user.table.rows] == ["LG", "SKT", "UPSTAGE", "MOTIF"]
    assert heavy_user.changes == []
    # One evaluator per team: removing any leaves that team without expert points, so not stable.
    assert not result.stable
    lg_evaluator = p2_complete["evaluators"]["LG"].username
    by_removed = {s.removed: s.changes for s in result.sensitivity}
    assert by_removed[f"evaluator:{lg_evaluator}"] == [("LG", "advances", "not_ranked")]
    assert by_removed["benchmark:MMLU-Pro"] == []
    assert StandingsSnapshot.objects.count() == snapshots
    with pytest.raises(ValidationError, match="Invalid what-if: weights must add up to 100"):
        services.standings_what_if(phase=phase, weights={"benchmark": D(10), "expert": D(10), "user": D(10)})


def test_recompute_after_finalize_keeps_the_official_table(p2_complete, staff):
    phase = p2_complete["phase"]
    official = services.phase_finalize(phase=phase, actor=staff)
    result = services.standings_recompute(phase_id=phase.pk, trigger="test")
    assert result.status == "current" and standings_latest(phase_id=phase.pk) == official


def test_finalize_leaves_a_team_that_already_withdrew_as_it_is(p2_complete, staff):
    from consortia.services import consortium_mark_departed

    motif = Consortium.objects.get(code="MOTIF")
    consortium_mark_departed(consortium=motif, status="withdrawn", left_on=motif.joined_on, reason="Withdrew")
    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    motif.refresh_from_db()
    assert (motif.status, motif.exit_reason) == ("withdrawn", "Withdrew")
    assert PhaseParticipant.objects.get(phase__code="P2", consortium=motif).outcome == "eliminated_on_points"
