"""Phase set-up services: create a phase (empty, or as the next phase from P2), change its details, edit
and remove rubric parts, gates, benchmark-set entries and participants, record reference scores. Every
refusal names its field and saves nothing; the set-up freezes once the evaluation begins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from consortia.services import consortium_mark_departed
from evaluations import services
from evaluations.models import (
    Benchmark,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)
from tests.factories import ConsortiumFactory
from tests.p2_data import p2_component, p2_criteria, p2_gate, team

pytestmark = pytest.mark.django_db


def field_errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def event_count() -> int:
    return AuditEvent.objects.count()


def rubric_of(phase: Phase) -> list[tuple]:
    return [
        (c.key, c.name, c.order, c.weight, c.max_points, c.source, c.panel_size, c.note)
        for c in RubricComponent.objects.filter(phase=phase).order_by("order", "key")
    ]


def criteria_of(phase: Phase) -> list[tuple]:
    return [
        (k.component.key, k.key, k.name, k.order, k.max_points, k.benchmark_group)
        for k in RubricCriterion.objects.filter(component__phase=phase)
        .select_related("component")
        .order_by("component__order", "order")
    ]


def benchmark_set_of(phase: Phase) -> list[tuple]:
    return sorted(
        PhaseBenchmark.objects.filter(phase=phase).values_list(
            "benchmark__code", "group", "consortium__code"
        ),
        key=str,
    )


def participants_of(phase: Phase) -> list[str]:
    return sorted(PhaseParticipant.objects.filter(phase=phase).values_list("consortium__code", flat=True))


def next_from(source: Phase, staff, **kwargs) -> services.NextPhase:
    values = {"code": "P3-NEXT", "name": "Final (from P2)", "teams_advancing": 2, **kwargs}
    return services.phase_create_next(source=source, actor=staff, **values)


# --- phase_create -------------------------------------------------------------------------------------


def test_phase_create_appends_a_draft_with_the_programs_threshold(kai_program, staff):
    before = event_count()
    phase = services.phase_create(
        program=kai_program, actor=staff, code="P4", name="Extra", teams_advancing=1, teams_in=2
    )
    assert (phase.status, phase.order, phase.frontier_threshold) == (
        Phase.Status.DRAFT,
        Phase.objects.get(code="P3").order + 1,
        kai_program.frontier_threshold,
    )
    event = AuditEvent.objects.order_by("id").last()
    assert event_count() == before + 1
    assert (event.action, event.object_type, event.after["code"]) == ("create", "evaluations.phase", "P4")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "P2"}, "code"),
        ({"order": 3}, "order"),
        ({"development_start": dt.date(2026, 9, 1), "result_on": dt.date(2026, 8, 1)}, "result_on"),
        ({"showcase_on": dt.date(2026, 9, 1), "evaluation_start": dt.date(2026, 8, 1)}, "evaluation_start"),
        ({"teams_advancing": 0}, "teams_advancing"),
        ({"teams_in": 2, "teams_advancing": 2}, "teams_in"),
        ({"frontier_threshold": D("1.6")}, "frontier_threshold"),
        ({"frontier_threshold": D("0")}, "frontier_threshold"),
    ],
)
def test_phase_create_refuses_bad_input_naming_the_field_and_saves_nothing(
    kai_program, staff, changes, field
):
    phases, events = Phase.objects.count(), event_count()
    values = {"code": "P4", "name": "Extra", "teams_advancing": 1, **changes}
    with pytest.raises(ValidationError) as excinfo:
        services.phase_create(program=kai_program, actor=staff, **values)
    assert list(field_errors(excinfo)) == [field]
    assert (Phase.objects.count(), event_count()) == (phases, events)


def test_phase_create_is_staff_only(kai_program, make_user):
    for role in (Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER):
        with pytest.raises(PermissionDenied):
            services.phase_create(
                program=kai_program, actor=make_user(role), code="P4", name="x", teams_advancing=1
            )
    assert not Phase.objects.filter(code="P4").exists()


# --- phase_create_next -----------------------------------------------------------------------------------


def test_next_from_an_open_p2_copies_the_set_up_and_takes_the_active_teams(p2_ready, staff):
    lg = team("LG")
    services.phase_benchmark_add(
        phase=p2_ready,
        benchmark=Benchmark.objects.get(code="HLE"),
        group="team_specific",
        consortium=lg,
        actor=staff,
    )
    result = next_from(p2_ready, staff)
    phase = result.phase
    assert (result.source_finalized, [t.code for t in result.teams]) == (
        False,
        ["LG", "MOTIF", "SKT", "UPSTAGE"],
    )
    assert (phase.status, phase.teams_in, phase.teams_advancing, phase.frontier_threshold) == (
        Phase.Status.DRAFT,
        4,
        2,
        p2_ready.frontier_threshold,
    )
    assert rubric_of(phase) == rubric_of(p2_ready)
    assert [c[0] for c in rubric_of(phase)] == ["benchmark", "expert", "user"]
    assert [c[3] for c in rubric_of(phase)] == [D(40), D(35), D(25)]
    assert criteria_of(phase) == criteria_of(p2_ready)
    assert list(RubricGate.objects.filter(phase=phase).values_list("key", "name", "description")) == list(
        RubricGate.objects.filter(phase=p2_ready).values_list("key", "name", "description")
    )
    assert benchmark_set_of(phase) == [
        ("GPQA-Diamond", "common", None),
        ("HLE", "team_specific", "LG"),
        ("MMLU-Pro", "common", None),
    ]
    assert participants_of(phase) == ["LG", "MOTIF", "SKT", "UPSTAGE"]
    assert sorted(
        TargetModel.objects.filter(phase=phase).values_list("consortium__code", "reference_model")
    ) == [(code, "DeepSeek-V3.2") for code in ("LG", "MOTIF", "SKT", "UPSTAGE")]
    # The source is untouched.
    assert participants_of(p2_ready) == ["LG", "MOTIF", "SKT", "UPSTAGE"]
    assert len(rubric_of(p2_ready)) == 3


def test_next_phase_is_audited_row_by_row_with_one_event_naming_the_source(p2_ready, staff):
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
    phase = next_from(p2_ready, staff).phase
    events = list(AuditEvent.objects.filter(id__gt=before).order_by("id"))
    head = events[0]
    assert (head.action, head.object_type, head.object_id) == ("create", "evaluations.phase", str(phase.pk))
    assert head.context["extra"] == {
        "event": "phase_create_next",
        "source": "P2",
        "teams": ["LG", "MOTIF", "SKT", "UPSTAGE"],
        "source_finalized": False,
    }
    counts: dict[str, int] = {}
    for event in events[1:]:
        assert event.action == "create"
        counts[event.object_type] = counts.get(event.object_type, 0) + 1
    assert counts == {
        "evaluations.rubriccomponent": 3,
        "evaluations.rubriccriterion": 4,
        "evaluations.rubricgate": 1,
        "evaluations.phasebenchmark": 2,
        "evaluations.phaseparticipant": 4,
        "evaluations.targetmodel": 4,
    }


def test_next_from_an_open_phase_leaves_out_a_team_that_left_with_its_own_benchmarks(p2_ready, staff):
    motif = team("MOTIF")
    services.phase_benchmark_add(
        phase=p2_ready,
        benchmark=Benchmark.objects.get(code="HLE"),
        group="team_specific",
        consortium=motif,
        actor=staff,
    )
    consortium_mark_departed(
        consortium=motif, status=Consortium.Status.WITHDRAWN, left_on=dt.date(2026, 5, 1), reason="withdrew"
    )
    result = next_from(p2_ready, staff)
    assert participants_of(result.phase) == ["LG", "SKT", "UPSTAGE"]
    assert ("HLE", "team_specific", "MOTIF") not in benchmark_set_of(result.phase)
    assert not TargetModel.objects.filter(phase=result.phase, consortium=motif).exists()


def test_next_from_a_finalized_p2_takes_only_the_teams_that_advanced(p2_complete, staff):
    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    p2 = Phase.objects.get(code="P2")
    advanced = sorted(
        PhaseParticipant.objects.filter(phase=p2, outcome="advances").values_list(
            "consortium__code", flat=True
        )
    )
    assert advanced == ["LG", "SKT", "UPSTAGE"]
    result = next_from(p2, staff, code="FINAL")
    assert result.source_finalized is True
    assert participants_of(result.phase) == advanced
    assert result.phase.teams_in == 3
    assert sorted(
        TargetModel.objects.filter(phase=result.phase).values_list("consortium__code", flat=True)
    ) == (advanced)


def test_finalizing_the_source_sends_its_teams_to_the_phase_made_from_it_not_the_next_by_order(
    p2_complete, staff
):
    """The shipped P3 draft comes first by order; P2's teams go to the phase staff made "next from P2"."""
    p2 = p2_complete["phase"]
    p3_before = participants_of(Phase.objects.get(code="P3"))
    final = next_from(p2, staff, code="FINAL").phase
    assert final.follows == p2 and final.order > Phase.objects.get(code="P3").order
    assert services.phase_finalize_preview(phase=p2).next_phase == final
    services.phase_finalize(phase=p2, actor=staff)
    assert participants_of(Phase.objects.get(code="P3")) == p3_before
    assert set(participants_of(final)) >= {"LG", "SKT", "UPSTAGE"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "P3"}, "code"),
        ({"teams_advancing": 4}, "teams_advancing"),
        ({"teams_advancing": 0}, "teams_advancing"),
        ({"evaluation_start": dt.date(2026, 12, 1), "result_on": dt.date(2026, 11, 1)}, "result_on"),
    ],
)
def test_next_phase_refuses_bad_input_and_copies_nothing(p2_ready, staff, changes, field):
    counts = (Phase.objects.count(), RubricComponent.objects.count(), PhaseParticipant.objects.count())
    events = event_count()
    with pytest.raises(ValidationError) as excinfo:
        next_from(p2_ready, staff, **changes)
    assert list(field_errors(excinfo)) == [field]
    assert (
        Phase.objects.count(),
        RubricComponent.objects.count(),
        PhaseParticipant.objects.count(),
    ) == counts
    assert event_count() == events


# --- phase_update ----------------------------------------------------------------------------------------


def _update(phase: Phase, staff, **changes) -> Phase:
    return services.phase_update(
        phase=phase, actor=staff, **{**services.phase_setup_values(phase), **changes}
    )


def test_phase_update_changes_the_details_with_before_and_after(p2, staff):
    phase = _update(p2, staff, name="2차 (renamed)", teams_advancing=2, frontier_threshold=D("0.9"))
    assert (phase.name, phase.teams_advancing, phase.frontier_threshold) == ("2차 (renamed)", 2, D("0.9"))
    event = AuditEvent.objects.order_by("id").last()
    assert (event.action, event.object_type) == ("update", "evaluations.phase")
    assert (event.before["teams_advancing"], event.after["teams_advancing"]) == (3, 2)
    assert (event.before["frontier_threshold"], event.after["frontier_threshold"]) == ("0.950", "0.900")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"teams_advancing": 4}, "teams_advancing"),  # P2 has four participants
        ({"teams_advancing": 0}, "teams_advancing"),
        ({"result_on": dt.date(2026, 8, 1)}, "result_on"),  # P2's evaluation starts on 2026-08-03
        ({"frontier_threshold": D("2")}, "frontier_threshold"),
    ],
)
def test_phase_update_refuses_bad_input_and_saves_nothing(p2, staff, changes, field):
    before, events = services.phase_setup_values(p2), event_count()
    with pytest.raises(ValidationError) as excinfo:
        _update(p2, staff, **changes)
    assert list(field_errors(excinfo)) == [field]
    assert services.phase_setup_values(Phase.objects.get(pk=p2.pk)) == before
    assert event_count() == events


def test_set_up_is_frozen_once_evaluation_begins(p2_complete, staff):
    phase = p2_complete["phase"]
    component, criterion, gate = p2_component("user"), p2_criteria()[0], p2_gate()
    entry = PhaseBenchmark.objects.filter(phase=phase).first()
    participant = PhaseParticipant.objects.filter(phase=phase).first()
    attempts = [
        lambda: _update(phase, staff, name="late"),
        lambda: services.rubric_component_update(
            component=component, actor=staff, name="x", note="", source="panel", panel_size=None, weight=D(25)
        ),
        lambda: services.rubric_component_delete(component=component, actor=staff),
        lambda: services.rubric_criterion_update(
            criterion=criterion, actor=staff, name="x", max_points=D(15)
        ),
        lambda: services.rubric_criterion_delete(criterion=criterion, actor=staff),
        lambda: services.rubric_gate_update(gate=gate, actor=staff, name="x"),
        lambda: services.rubric_gate_delete(gate=gate, actor=staff),
        lambda: services.phase_benchmark_remove(entry=entry, actor=staff),
        lambda: services.phase_participant_remove(participant=participant, actor=staff),
        lambda: services.phase_participant_add(phase=phase, consortium=team("LG"), actor=staff),
    ]
    events = event_count()
    for attempt in attempts:
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert excinfo.value.code == "phase_status", excinfo.value
    assert event_count() == events
    assert (p2_component("user").name, p2_gate().name) == (component.name, gate.name)


# --- rubric ----------------------------------------------------------------------------------------------


def test_component_update_changes_weight_and_panel_size_audited(p2, staff):
    component = services.rubric_component_update(
        component=p2_component("user"),
        actor=staff,
        name="사용자",
        note="n",
        source="panel",
        panel_size=49,
        weight=D(20),
    )
    assert (component.name, component.panel_size, component.weight) == ("사용자", 49, D(20))
    event = AuditEvent.objects.order_by("id").last()
    assert (event.object_type, event.before["weight"], event.after["weight"]) == (
        "evaluations.rubriccomponent",
        "25.00",
        "20.00",
    )


def test_component_to_benchmarks_needs_groups_on_its_criteria(p2, staff):
    expert = p2_component("expert")
    with pytest.raises(ValidationError) as excinfo:
        services.rubric_component_update(
            component=expert,
            actor=staff,
            name=expert.name,
            note="",
            source="benchmarks",
            panel_size=10,
            weight=D(35),
        )
    assert list(field_errors(excinfo)) == ["source"]
    assert p2_component("expert").source == "evaluators"


def test_criterion_edits_keep_the_component_maximum_the_sum_of_its_criteria(p2, staff):
    technology, originality, results = p2_criteria()
    services.rubric_criterion_update(
        criterion=technology, actor=staff, name=technology.name, max_points=D(20)
    )
    assert p2_component("expert").max_points == D(40)
    services.rubric_criterion_delete(criterion=results, actor=staff)
    assert p2_component("expert").max_points == D(30)
    assert [c.key for c in p2_criteria()] == ["technology", "originality_depth"]
    deleted = AuditEvent.objects.order_by("id").last()
    assert (deleted.action, deleted.object_type, deleted.before["key"]) == (
        "delete",
        "evaluations.rubriccriterion",
        "results",
    )


def test_criterion_of_a_benchmark_component_needs_a_group(p2, staff):
    criterion = RubricCriterion.objects.get(component__phase=p2, key="global_leaderboard")
    with pytest.raises(ValidationError) as excinfo:
        services.rubric_criterion_update(
            criterion=criterion, actor=staff, name="x", max_points=D(40), benchmark_group=""
        )
    assert list(field_errors(excinfo)) == ["benchmark_group"]


def test_component_delete_removes_its_criteria_and_is_audited(p2, staff):
    events = event_count()
    services.rubric_component_delete(component=p2_component("expert"), actor=staff)
    assert [c[0] for c in rubric_of(p2)] == ["benchmark", "user"]
    assert not RubricCriterion.objects.filter(component__phase=p2, component__key="expert").exists()
    assert event_count() == events + 4  # three criteria and the component


def test_parts_with_points_entered_cannot_be_removed(p2_ready, staff, make_evaluator):
    evaluator = make_evaluator()
    assignment = services.evaluator_assign(
        phase=p2_ready, consortium=team("LG"), evaluator=evaluator, actor=staff
    )
    sheet = assignment.sheet
    criterion = p2_criteria()[0]
    services.score_sheet_save(
        sheet=sheet,
        actor=evaluator,
        expected_version=sheet.version,
        scores=[services.ScoreInput(criterion.pk, D(14), "")],
    )
    services.gate_result_record(gate=p2_gate(), consortium=team("LG"), passed=True, reason="", actor=staff)
    for attempt in (
        lambda: services.rubric_component_delete(component=p2_component("expert"), actor=staff),
        lambda: services.rubric_criterion_delete(criterion=criterion, actor=staff),
        lambda: services.rubric_gate_delete(gate=p2_gate(), actor=staff),
    ):
        with pytest.raises(ValidationError) as excinfo:
            attempt()
        assert excinfo.value.code == "in_use"
    with pytest.raises(ValidationError) as excinfo:
        services.rubric_criterion_update(
            criterion=criterion, actor=staff, name=criterion.name, max_points=D(10)
        )
    assert list(field_errors(excinfo)) == ["max_points"]
    assert len(p2_criteria()) == 3


def test_gate_update_and_delete_are_audited(p2, staff):
    gate = services.rubric_gate_update(
        gate=p2_gate(), actor=staff, name="독자성", description="Stricter check."
    )
    assert (gate.name, gate.description) == ("독자성", "Stricter check.")
    services.rubric_gate_delete(gate=gate, actor=staff)
    assert not RubricGate.objects.filter(phase=p2).exists()
    assert list(AuditEvent.objects.order_by("-id").values_list("action", "object_type")[:2]) == [
        ("delete", "evaluations.rubricgate"),
        ("update", "evaluations.rubricgate"),
    ]


# --- benchmark set and participants -----------------------------------------------------------------------


def test_duplicate_benchmark_is_refused_naming_the_benchmark(p2_ready, staff):
    count = PhaseBenchmark.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.phase_benchmark_add(
            phase=p2_ready, benchmark=Benchmark.objects.get(code="MMLU-Pro"), group="agency", actor=staff
        )
    assert list(field_errors(excinfo)) == ["benchmark"]
    assert "already in the benchmark set" in field_errors(excinfo)["benchmark"][0]
    assert PhaseBenchmark.objects.count() == count


@pytest.mark.parametrize(("group", "code"), [("team_specific", None), ("common", "LG")])
def test_benchmark_team_must_match_the_group(p2, staff, group, code):
    with pytest.raises(ValidationError) as excinfo:
        services.phase_benchmark_add(
            phase=p2,
            benchmark=Benchmark.objects.get(code="HLE"),
            group=group,
            consortium=team(code) if code else None,
            actor=staff,
        )
    assert list(field_errors(excinfo)) == ["consortium"]


def test_benchmark_remove_is_audited(p2_ready, staff):
    entry = PhaseBenchmark.objects.get(phase=p2_ready, benchmark__code="MMLU-Pro")
    services.phase_benchmark_remove(entry=entry, actor=staff)
    assert benchmark_set_of(p2_ready) == [("GPQA-Diamond", "common", None)]
    assert AuditEvent.objects.order_by("id").last().action == "delete"


@pytest.mark.parametrize(("code", "message"), [("NCAI", "no longer active"), ("LG", "already takes part")])
def test_participant_add_refuses_eliminated_and_present_teams_naming_the_field(p2, staff, code, message):
    count = PhaseParticipant.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.phase_participant_add(phase=p2, consortium=team(code), actor=staff)
    assert list(field_errors(excinfo)) == ["consortium"]
    assert message in field_errors(excinfo)["consortium"][0]
    assert PhaseParticipant.objects.count() == count


def test_wildcard_team_joins_an_open_phase(p2, staff, kai_program):
    wildcard = ConsortiumFactory(program=kai_program, code="TRILLION", is_wildcard=True)
    assert p2.status == Phase.Status.OPEN
    services.phase_participant_add(phase=p2, consortium=wildcard, actor=staff)
    assert "TRILLION" in participants_of(p2)


def test_participant_remove_only_in_a_draft_and_takes_its_target_and_benchmarks(p2_ready, staff):
    draft = next_from(p2_ready, staff).phase
    services.phase_benchmark_add(
        phase=draft,
        benchmark=Benchmark.objects.get(code="HLE"),
        group="team_specific",
        consortium=team("SKT"),
        actor=staff,
    )
    participant = PhaseParticipant.objects.get(phase=draft, consortium__code="SKT")
    services.phase_participant_remove(participant=participant, actor=staff)
    assert participants_of(draft) == ["LG", "MOTIF", "UPSTAGE"]
    assert not TargetModel.objects.filter(phase=draft, consortium__code="SKT").exists()
    assert ("HLE", "team_specific", "SKT") not in benchmark_set_of(draft)
    # P2 is open: removing is a draft-only action.
    with pytest.raises(ValidationError) as excinfo:
        services.phase_participant_remove(
            participant=PhaseParticipant.objects.get(phase=p2_ready, consortium__code="SKT"), actor=staff
        )
    assert excinfo.value.code == "phase_status"


def test_participant_with_inputs_is_not_removed(p2_ready, staff):
    draft = next_from(p2_ready, staff).phase
    gate = RubricGate.objects.get(phase=draft)
    services.gate_result_record(gate=gate, consortium=team("LG"), passed=True, reason="", actor=staff)
    with pytest.raises(ValidationError) as excinfo:
        services.phase_participant_remove(
            participant=PhaseParticipant.objects.get(phase=draft, consortium__code="LG"), actor=staff
        )
    assert list(field_errors(excinfo)) == ["consortium"]
    assert "LG" in participants_of(draft)


# --- reference scores ------------------------------------------------------------------------------------


def test_reference_score_set_creates_then_corrects_with_before_and_after(kai_program, staff):
    benchmark = Benchmark.objects.get(code="HRM8K")
    created = services.reference_score_set(
        benchmark=benchmark, reference_model="DeepSeek-V3.2", score=D("90.5"), actor=staff
    )
    assert created.score == D("90.5")
    services.reference_score_set(
        benchmark=benchmark, reference_model="DeepSeek-V3.2", score=D("91"), actor=staff
    )
    assert ReferenceScore.objects.get(benchmark=benchmark, reference_model="DeepSeek-V3.2").score == D("91")
    event = AuditEvent.objects.order_by("id").last()
    assert (event.action, event.before["score"], event.after["score"]) == ("update", "90.500", "91.000")


@pytest.mark.parametrize(
    ("model", "score", "field"),
    [("", D(1), "reference_model"), ("X", D(-1), "score"), ("X", D(101), "score")],
)
def test_reference_score_bad_input_names_the_field(kai_program, staff, model, score, field):
    with pytest.raises(ValidationError) as excinfo:
        services.reference_score_set(
            benchmark=Benchmark.objects.get(code="HRM8K"), reference_model=model, score=score, actor=staff
        )
    assert list(field_errors(excinfo)) == [field]


def test_reference_score_used_by_an_evaluating_phase_is_frozen(p2_complete, staff):
    benchmark = Benchmark.objects.get(code="MMLU-Pro")
    with pytest.raises(ValidationError) as excinfo:
        services.reference_score_set(
            benchmark=benchmark, reference_model="DeepSeek-V3.2", score=D("90"), actor=staff
        )
    assert excinfo.value.message_dict["score"][0].startswith("2차 단계평가 is evaluating")
    assert ReferenceScore.objects.get(benchmark=benchmark, reference_model="DeepSeek-V3.2").score == D("85.0")
