"""Lookups and data for the shipped program's open phase, P2, shared by the evaluation, UI, browser and
reliability tests (plain functions; the fixtures that use them are in tests/conftest.py)."""

from __future__ import annotations

from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from consortia.models import Consortium
from evaluations import services
from evaluations.models import (
    Phase,
    PhaseBenchmark,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
)

# P2's participants and the organization that leads each.
LEADS = {"LG": "LG AI Research", "SKT": "SK Telecom", "UPSTAGE": "Upstage", "MOTIF": "Motif Technologies"}
EVALUATOR_ORG = "National Information Society Agency"
# Share of DeepSeek-V3.2's reference score each team reaches on every benchmark, expert points
# (technology, originality_depth, results) and user-panel points: MOTIF comes last and is cut.
P2_PLAN = {
    "LG": (Decimal("1.0"), ("14", "9", "9"), "24"),
    "SKT": (Decimal("0.95"), ("12", "8", "8"), "20"),
    "UPSTAGE": (Decimal("0.9"), ("11", "8", "8"), "20"),
    "MOTIF": (Decimal("0.8"), ("10", "7", "7"), "15"),
}

# Per team: (MMLU-Pro, GPQA-Diamond) scores, expert points (technology, originality_depth, results),
# user points.
# Against DeepSeek-V3.2 (85.0, 82.4) the ratios are 1.0 / 0.95 / 0.9 / 0.8, so the totals are
# LG 40+32+24 = 96, SKT 38+28+20 = 86, UPSTAGE 36+27+20 = 83, MOTIF 32+24+15 = 71.
P2_DATA = {
    "LG": (("85", "82.4"), ("14", "9", "9"), "24"),
    "SKT": (("80.75", "78.28"), ("12", "8", "8"), "20"),
    "UPSTAGE": (("76.5", "74.16"), ("11", "8", "8"), "20"),
    "MOTIF": (("68", "65.92"), ("10", "7", "7"), "15"),
}


def team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


def p2_phase() -> Phase:
    return Phase.objects.get(code="P2")


def p2_component(key: str) -> RubricComponent:
    return RubricComponent.objects.get(phase__code="P2", key=key)


def p2_criteria() -> list[RubricCriterion]:
    return list(
        RubricCriterion.objects.filter(component__phase__code="P2", component__key="expert").order_by("order")
    )


def p2_gate() -> RubricGate:
    return RubricGate.objects.get(phase__code="P2", key="originality")


def expert_criteria(phase: Phase) -> list[RubricCriterion]:
    return list(
        RubricCriterion.objects.filter(component__phase=phase, component__key="expert").order_by("order")
    )


def results_csv(code: str, phase: Phase) -> bytes:
    """A clean results file for ``code``: its share of the target model's score on every benchmark."""
    share = P2_PLAN[code][0]
    lines = ["benchmark,score,model_version,notes"]
    for entry in PhaseBenchmark.objects.filter(phase=phase).select_related("benchmark"):
        reference = ReferenceScore.objects.get(
            benchmark=entry.benchmark, reference_model="DeepSeek-V3.2"
        ).score
        lines.append(f"{entry.benchmark.code},{(reference * share).quantize(Decimal('0.01'))},v1,")
    return ("\n".join(lines) + "\n").encode()


def complete_p2(*, staff, members: dict, evaluators: dict) -> dict[str, ScoreSheet]:
    """Every input of P2 through the services: a results file per team, the phase moved to evaluating,
    one submitted sheet per team, user-panel points and the originality gate passed."""
    phase = p2_phase()
    for code, member in members.items():
        services.result_upload_create(
            phase=phase,
            consortium=team(code),
            file=SimpleUploadedFile(f"{code}.csv", results_csv(code, phase)),
            actor=member,
        )
    services.phase_begin_evaluation(phase=phase, actor=staff)
    phase = p2_phase()
    criteria = expert_criteria(phase)
    user_component = RubricComponent.objects.get(phase=phase, key="user")
    gate = RubricGate.objects.get(phase=phase, key="originality")
    sheets = {}
    for code, (_share, expert, user_points) in P2_PLAN.items():
        evaluator = evaluators[code]
        assignment = services.evaluator_assign(
            phase=phase, consortium=team(code), evaluator=evaluator, actor=staff
        )
        sheet = ScoreSheet.objects.get(assignment=assignment)
        sheets[code] = services.score_sheet_save(
            sheet=sheet,
            actor=evaluator,
            expected_version=sheet.version,
            scores=[
                services.ScoreInput(c.pk, Decimal(p), "ok") for c, p in zip(criteria, expert, strict=True)
            ],
            submit=True,
        )
        services.panel_result_record(
            phase=phase,
            consortium=team(code),
            component=user_component,
            points=Decimal(user_points),
            panel_size=49,
            actor=staff,
        )
        services.gate_result_record(gate=gate, consortium=team(code), passed=True, reason="", actor=staff)
    return sheets
