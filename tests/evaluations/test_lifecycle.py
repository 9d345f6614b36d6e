"""A phase's lifecycle through the services: what blocks each transition (the same reasons in the check the
preview shows and in the service's refusal), refusals from the wrong state, the audit events, and the
readiness grid with its query budget."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import Phase, PhaseParticipant, RubricComponent
from evaluations.readiness import GateState, phase_readiness
from evaluations.services import Transition
from tests.p2_data import LEADS, p2_component, p2_gate, team

pytestmark = pytest.mark.django_db


def phase(code: str) -> Phase:
    return Phase.objects.get(code=code)


def refusal(call) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        call()
    return excinfo.value


def codes(error: ValidationError) -> list[str]:
    return [e.code for e in error.error_list]


def phase_events(target: Phase) -> list[tuple[str, dict, dict, dict]]:
    return [
        (e.action, e.context.get("extra", {}), e.before, e.after)
        for e in AuditEvent.objects.filter(
            object_type="evaluations.phase", object_id=str(target.pk)
        ).order_by("id")
    ]


@pytest.fixture
def p3(kai_program) -> Phase:
    """P3 as shipped: a draft with no participants, no rubric and no benchmark set."""
    return phase("P3")


@pytest.fixture
def upload(make_user):
    """upload(phase, code, {benchmark: score}) -> the team's current results upload."""

    def do(target: Phase, code: str, scores: dict[str, str]):
        member = make_user(Role.CONSORTIUM_MEMBER, organization=LEADS[code], consortium=code)
        body = "benchmark,score\n" + "".join(f"{b},{s}\n" for b, s in scores.items())
        return services.result_upload_create(
            phase=target, consortium=team(code), file=SimpleUploadedFile("r.csv", body.encode()), actor=member
        )

    return do


# --- draft → open ------------------------------------------------------------------------------------


def test_opening_is_blocked_without_participants_or_rubric_and_refused_with_the_same_reasons(p3, staff):
    check = services.phase_transition_check(phase=p3, transition=Transition.OPEN)
    assert check.problems == ["The phase has no participants.", "The phase has no rubric components."]
    assert check.warnings == ["The benchmark set is empty."]
    assert check.changes[0] == "Status: Draft → Open."
    before = AuditEvent.objects.count()
    error = refusal(lambda: services.phase_open(phase=p3, actor=staff))
    assert error.messages == check.problems
    assert codes(error) == ["transition_blocked", "transition_blocked"]
    assert phase("P3").status == Phase.Status.DRAFT
    assert AuditEvent.objects.count() == before


def test_opening_warns_about_the_weights_and_an_empty_benchmark_set_and_is_audited(p3, staff):
    services.phase_participant_add(phase=p3, consortium=team("LG"), actor=staff)
    services.rubric_component_create(
        phase=p3, key="user", name="User", weight=D(60), source=RubricComponent.Source.PANEL, actor=staff
    )
    check = services.phase_transition_check(phase=p3, transition=Transition.OPEN)
    assert check.allowed
    assert check.warnings == [
        "The rubric weights add up to 60.00, not 100; they must before evaluation begins.",
        "The benchmark set is empty.",
    ]
    services.phase_open(phase=p3, actor=staff)
    assert phase("P3").status == Phase.Status.OPEN
    assert phase_events(p3)[-1] == (
        "update",
        {"event": "phase_open"},
        {"status": "draft"},
        {"status": "open"},
    )
    # Weights that do not add up to 100 now block the next step, with the sum named.
    error = refusal(lambda: services.phase_begin_evaluation(phase=p3, actor=staff))
    assert error.messages == ["The rubric weights add up to 60.00, not 100; fix them before evaluating."]
    check = services.phase_transition_check(phase=phase("P3"), transition=Transition.BEGIN_EVALUATION)
    assert check.problems == error.messages


# --- open → evaluating --------------------------------------------------------------------------------


def test_beginning_the_evaluation_warns_about_missing_results_and_is_audited(p2_ready, staff, upload):
    upload(p2_ready, "LG", {"MMLU-Pro": "85", "GPQA-Diamond": "82.4"})
    upload(p2_ready, "SKT", {"MMLU-Pro": "80"})
    check = services.phase_transition_check(phase=p2_ready, transition=Transition.BEGIN_EVALUATION)
    names = {code: team(code).name for code in LEADS}
    assert check.allowed
    assert check.warnings == [
        f"{names['MOTIF']} has uploaded no results; uploads close now.",
        f"{names['SKT']}'s results cover 1 of 2 benchmarks; uploads close now.",
        f"{names['UPSTAGE']} has uploaded no results; uploads close now.",
    ]
    assert "Uploads close: members can no longer upload results for this phase." in check.changes
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    assert phase("P2").status == Phase.Status.EVALUATING
    assert phase_events(p2_ready)[-1] == (
        "update",
        {"event": "phase_begin_evaluation"},
        {"status": "open"},
        {"status": "evaluating"},
    )


# --- evaluating → finalized ---------------------------------------------------------------------------


def test_finalize_is_refused_with_exactly_the_problems_its_preview_lists(p2_ready, staff):
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    preview = services.phase_finalize_preview(phase=phase("P2"))
    assert not preview.can_finalize
    assert len(preview.problems) == 4 and all("is not ranked" in p for p in preview.problems)
    error = refusal(lambda: services.phase_finalize(phase=p2_ready, actor=staff))
    assert error.messages == preview.problems
    assert set(codes(error)) == {"transition_blocked"}
    assert phase("P2").status == Phase.Status.EVALUATING


def test_finalize_is_audited_with_the_outcomes(p2_complete, staff):
    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    action, _extra, before, after = phase_events(p2_complete["phase"])[-1]
    assert (action, before, after["status"], after["next_phase"]) == (
        "finalize",
        {"status": "evaluating"},
        "finalized",
        "P3",
    )
    assert after["outcomes"] == {
        "LG": "advances",
        "SKT": "advances",
        "UPSTAGE": "advances",
        "MOTIF": "eliminated_on_points",
    }


# --- the wrong state --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "transition", "message"),
    [
        ("P2", Transition.OPEN, "Only a draft phase can be opened; 2차 단계평가 is Open."),
        (
            "P2",
            Transition.FINALIZE,
            "Only a phase that is evaluating can be finalized; 2차 단계평가 is Open.",
        ),
        (
            "P3",
            Transition.BEGIN_EVALUATION,
            "Only an open phase can begin its evaluation; 최종 평가 (K-AI 정예팀 2곳) is Draft.",
        ),
        (
            "P1",
            Transition.OPEN,
            "1차 단계평가 is finalized and read-only: opening the phase is not possible.",
        ),
        (
            "P1",
            Transition.BEGIN_EVALUATION,
            "1차 단계평가 is finalized and read-only: starting the evaluation is not possible.",
        ),
        ("P1", Transition.FINALIZE, "1차 단계평가 is finalized and read-only: finalizing is not possible."),
    ],
)
def test_a_transition_from_the_wrong_state_is_refused_with_the_state_named(staff, code, transition, message):
    service = {
        Transition.OPEN: services.phase_open,
        Transition.BEGIN_EVALUATION: services.phase_begin_evaluation,
        Transition.FINALIZE: services.phase_finalize,
    }[transition]
    target = phase(code)
    status, events = target.status, AuditEvent.objects.count()
    check = services.phase_transition_check(phase=target, transition=transition)
    assert check.problems[0] == message
    error = refusal(lambda: service(phase=target, actor=staff))
    assert (error.messages, codes(error)) == ([message], ["transition_state"])
    assert (phase(code).status, AuditEvent.objects.count()) == (status, events)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR])
def test_transitions_are_staff_actions(kai_program, make_user, role):
    with pytest.raises(PermissionDenied):
        services.phase_begin_evaluation(phase=phase("P2"), actor=make_user(role))
    assert phase("P2").status == Phase.Status.OPEN


def test_the_next_transition_follows_the_status(kai_program):
    assert [services.transition_next(phase=phase(code)) for code in ("P3", "P2", "P1")] == [
        Transition.OPEN,
        Transition.BEGIN_EVALUATION,
        None,
    ]
    p2 = phase("P2")
    p2.status = Phase.Status.EVALUATING
    assert services.transition_next(phase=p2) == Transition.FINALIZE


# --- readiness --------------------------------------------------------------------------------------------


def test_readiness_grid_says_what_is_in_and_links_where_the_rest_is_entered(
    p2_ready, staff, upload, make_evaluator
):
    upload(p2_ready, "LG", {"MMLU-Pro": "85", "GPQA-Diamond": "82.4"})
    upload(p2_ready, "SKT", {"MMLU-Pro": "80"})
    services.evaluator_assign(phase=p2_ready, consortium=team("LG"), evaluator=make_evaluator(), actor=staff)
    services.panel_result_record(
        phase=p2_ready, consortium=team("LG"), component=p2_component("user"), points=D(24), actor=staff
    )
    services.gate_result_record(gate=p2_gate(), consortium=team("LG"), passed=True, reason="", actor=staff)
    services.gate_result_record(
        gate=p2_gate(), consortium=team("SKT"), passed=False, reason="copied weights", actor=staff
    )
    grid = phase_readiness(phase=p2_ready)
    assert [c.key for c in grid.columns] == ["results", "sheets:expert", "panel:user", "gate:originality"]
    cells = {
        row.code: [(c.complete, c.text, c.url, c.done, c.required, c.gate) for c in row.cells]
        for row in grid.rows
    }
    pk = p2_ready.pk
    assign, panel, gates = (f"/evaluations/phases/{pk}/{page}/" for page in ("assignments", "panel", "gates"))
    assert cells["LG"] == [
        (True, "2/2", "/evaluations/upload/?phase=P2&consortium=LG", 2, 2, None),
        (False, "0/1", assign, 0, 1, None),
        (True, "24.00", panel, None, None, None),
        (True, "Passed", gates, None, None, GateState.PASSED),
    ]
    assert cells["SKT"] == [
        (False, "1/2", "/evaluations/upload/?phase=P2&consortium=SKT", 1, 2, None),
        (False, "no evaluators", assign, 0, 0, None),
        (False, "—", panel, None, None, None),
        (True, "Failed", gates, None, None, GateState.FAILED),
    ]
    assert cells["UPSTAGE"][0] == (
        False,
        "no upload",
        "/evaluations/upload/?phase=P2&consortium=UPSTAGE",
        None,
        2,
        None,
    )
    assert cells["UPSTAGE"][3][5] == GateState.UNDECIDED
    assert not grid.complete and grid.missing_count == 4 * 4 - 4


def test_readiness_reads_a_fixed_number_of_queries_whatever_the_number_of_teams(
    p2_ready, staff, upload, django_assert_max_num_queries
):
    upload(p2_ready, "LG", {"MMLU-Pro": "85", "GPQA-Diamond": "82.4"})

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            phase_readiness(phase=p2_ready)
        return len(queries)

    with django_assert_max_num_queries(10):
        phase_readiness(phase=p2_ready)
    four = count()
    # Two more participants (rows written directly: the grid reads, whoever entered them).
    for code in ("NAVER", "NCAI"):
        PhaseParticipant.objects.create(phase=p2_ready, consortium=Consortium.objects.get(code=code))
    upload(p2_ready, "SKT", {"MMLU-Pro": "80"})
    assert len(phase_readiness(phase=p2_ready).rows) == 6
    assert count() == four
