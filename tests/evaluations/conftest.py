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
    participants LG, SKT, UPSTAGE, MOTIF."""
    return Phase.objects.get(code="P2")


def team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


@pytest.fixture
def p2_ready(p2, staff):
    """P2 with a two-benchmark common set and every team's target model declared (DeepSeek-V3.2)."""
    for code in ("MMLU-Pro", "GPQA-Diamond"):
        services.phase_benchmark_add(phase=p2, benchmark=Benchmark.objects.get(code=code), group="common", actor=staff)
    for code in ("LG", "SKT", "UPSTAGE", "MOTIF"):
        services.target_model_set(phase=p2, consortium=team(code), reference_model="DeepSeek-V3.2", actor=staff)
    return Phase.objects.get(pk=p2.pk)


def p2_component(key: str) -> RubricComponent:
    return RubricComponent.objects.get(phase__code="P2", key=key)


def p2_criteria() -> list[RubricCriterion]:
    return list(RubricCriterion.objects.filter(component__phase__code="P2", component__key="expert").order_by("order"))


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
