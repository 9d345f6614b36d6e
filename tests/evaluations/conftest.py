"""Shared fixtures for the evaluations tests: the real program, an open phase (P2) made ready for
scoring, people in each role, and (for the worker test) celery.contrib.pytest's app and worker."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest

# celery.contrib.pytest's fixtures, imported here rather than registered as a plugin for the whole suite.
from celery.contrib.pytest import (  # noqa: F401
    celery_app,
    celery_enable_logging,
    celery_includes,
    celery_parameters,
    celery_worker,
    celery_worker_parameters,
    celery_worker_pool,
    use_celery_app_trap,
)

from common.roles import Role
from consortia.models import Consortium
from evaluations import services
from evaluations.models import Benchmark, Phase, RubricComponent, RubricCriterion, RubricGate


@pytest.fixture
def staff(make_user):
    return make_user(Role.MINISTRY_STAFF)


@pytest.fixture
def make_evaluator(make_user):
    """make_evaluator(organization="National Information Society Agency") -> an evaluator."""

    def factory(organization: str = "National Information Society Agency"):
        return make_user(Role.EVALUATOR, organization=organization)

    return factory


@pytest.fixture
def p1(kai_program) -> Phase:
    return Phase.objects.get(code="P1")


@pytest.fixture
def p2(kai_program) -> Phase:
    """P2 as shipped: open, rubric benchmark (common) / expert (evaluators) / user (panel), originality gate;
    participants LG, SKT, UPSTAGE, MOTIF. The shipped illustrative benchmark set and target models are
    cleared, so each test states its own (see p2_ready)."""
    from evaluations.models import PhaseBenchmark, TargetModel

    phase = Phase.objects.get(code="P2")
    PhaseBenchmark.objects.filter(phase=phase).delete()
    TargetModel.objects.filter(phase=phase).delete()
    return phase


def team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


@pytest.fixture
def p2_ready(p2, staff):
    """P2 with a two-benchmark common set and every team's target model declared (DeepSeek-V3.2)."""
    for code in ("MMLU-Pro", "GPQA-Diamond"):
        services.phase_benchmark_add(
            phase=p2, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff
        )
    for code in ("LG", "SKT", "UPSTAGE", "MOTIF"):
        services.target_model_set(
            phase=p2, consortium=team(code), reference_model="DeepSeek-V3.2", actor=staff
        )
    return Phase.objects.get(pk=p2.pk)


def p2_component(key: str) -> RubricComponent:
    return RubricComponent.objects.get(phase__code="P2", key=key)


def p2_criteria() -> list[RubricCriterion]:
    return list(
        RubricCriterion.objects.filter(component__phase__code="P2", component__key="expert").order_by("order")
    )


def p2_gate() -> RubricGate:
    return RubricGate.objects.get(phase__code="P2", key="originality")


@pytest.fixture
def celery_config():
    """The worker test's Celery app: the real Redis from REDIS_URL, on a queue of its own."""
    url = os.environ.get("REDIS_URL")
    if not url:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis (CI sets it)")
    return {
        "broker_url": url,
        "result_backend": url,
        "task_always_eager": False,
        "task_default_queue": f"kai-test-evaluations-{os.getpid()}",
        "broker_connection_retry_on_startup": True,
        "worker_hijack_root_logger": False,
    }


D = Decimal


LEADS = {"LG": "LG AI Research", "SKT": "SK Telecom", "UPSTAGE": "Upstage", "MOTIF": "Motif Technologies"}
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


@pytest.fixture
def p2_complete(p2_ready, staff, make_user, make_evaluator):
    """P2 with every input in (uploads, one submitted sheet per team, user panel, originality passed),
    moved to evaluating. Returns {"phase", "evaluators": {code: user}, "sheets": {code: ScoreSheet}}."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from evaluations.models import ScoreSheet

    evaluators, sheets = {}, {}
    for code, (bench, _expert, _user) in P2_DATA.items():
        member = make_user(Role.CONSORTIUM_MEMBER, organization=LEADS[code], consortium=code)
        body = f"benchmark,score\nMMLU-Pro,{bench[0]}\nGPQA-Diamond,{bench[1]}\n".encode()
        services.result_upload_create(
            phase=p2_ready, consortium=team(code), file=SimpleUploadedFile("r.csv", body), actor=member
        )
    services.phase_begin_evaluation(phase=p2_ready, actor=staff)
    for code, (_bench, expert, user_points) in P2_DATA.items():
        evaluator = make_evaluator()
        assignment = services.evaluator_assign(
            phase=p2_ready, consortium=team(code), evaluator=evaluator, actor=staff
        )
        sheet = ScoreSheet.objects.get(assignment=assignment)
        scores = [
            services.ScoreInput(c.pk, Decimal(p), "ok") for c, p in zip(p2_criteria(), expert, strict=True)
        ]
        sheets[code] = services.score_sheet_save(
            sheet=sheet, actor=evaluator, expected_version=sheet.version, scores=scores, submit=True
        )
        evaluators[code] = evaluator
        services.panel_result_record(
            phase=p2_ready,
            consortium=team(code),
            component=p2_component("user"),
            points=Decimal(user_points),
            panel_size=49,
            actor=staff,
        )
        services.gate_result_record(
            gate=p2_gate(), consortium=team(code), passed=True, reason="", actor=staff
        )
    return {"phase": Phase.objects.get(pk=p2_ready.pk), "evaluators": evaluators, "sheets": sheets}
