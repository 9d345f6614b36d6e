"""End to end: finalizing a phase eliminates the last team and freezes its allocations in the same
transaction (evaluations.services.phase_finalize → budget.services.allocations_freeze_for_elimination)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budget.models import Allocation
from budget.services import allocation_create, execution_approve, execution_record
from consortia.models import Consortium
from evaluations.models import Phase
from tests.helpers import BN

pytestmark = pytest.mark.django_db

evaluation_services = pytest.importorskip("evaluations.services")
if not hasattr(
    evaluation_services, "phase_finalize"
):  # pragma: no cover - only while evaluations is unfinished
    pytest.skip("evaluations.services.phase_finalize does not exist yet", allow_module_level=True)

D = dt.date
M = 1_000_000


@pytest.fixture
def phase_ready(world, program):
    """A phase with one panel component: ALPHA 40 points, BETA 80; one team advances, so ALPHA is cut."""
    from evaluations.models import RubricComponent

    staff = world["users"]["staff"]
    phase = Phase.objects.create(
        program=program,
        code="PX",
        order=7,
        name="Phase X",
        evaluation_start=D(2026, 1, 5),
        result_on=D(2026, 1, 15),
        status=Phase.Status.DRAFT,
        teams_in=2,
        teams_advancing=1,
    )
    for code in ("ALPHA", "BETA"):
        evaluation_services.phase_participant_add(phase=phase, consortium=world["teams"][code], actor=staff)
    component = evaluation_services.rubric_component_create(
        phase=phase,
        actor=staff,
        key="user",
        name="User panel",
        weight=Decimal(100),
        source=RubricComponent.Source.PANEL,
    )
    evaluation_services.phase_open(phase=phase, actor=staff)
    for code, points in (("ALPHA", 40), ("BETA", 80)):
        evaluation_services.panel_result_record(
            phase=phase,
            consortium=world["teams"][code],
            component=component,
            points=Decimal(points),
            actor=staff,
        )
    evaluation_services.phase_begin_evaluation(phase=phase, actor=staff)
    return Phase.objects.get(pk=phase.pk)


def test_phase_finalize_freezes_the_eliminated_teams_allocations(world, phase_ready):
    staff = world["users"]["staff"]
    gpu = allocation_create(
        line=world["lines"]["gpu"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=181 * M,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        gpu_model="B200",
        gpu_count=512,
        actor=staff,
    )
    data = allocation_create(
        line=world["lines"]["purchase"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=10 * BN,
        period_start=D(2025, 8, 1),
        period_end=D(2026, 6, 30),
        actor=staff,
    )
    execution_approve(
        execution=execution_record(
            allocation=data,
            spent_on=D(2025, 12, 1),
            amount_krw=4 * BN,
            description="corpus",
            actor=world["users"]["alpha"],
        ),
        actor=staff,
    )
    beta = allocation_create(
        line=world["lines"]["gpu"],
        consortium=world["teams"]["BETA"],
        amount_krw=181 * M,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        gpu_model="B200",
        gpu_count=512,
        actor=staff,
    )

    evaluation_services.phase_finalize(phase=phase_ready, actor=staff)

    assert Consortium.objects.get(code="ALPHA").status == Consortium.Status.ELIMINATED
    gpu.refresh_from_db()
    data.refresh_from_db()
    beta.refresh_from_db()
    assert (gpu.status, gpu.frozen_on, gpu.period_end, gpu.released_krw) == (
        "frozen",
        D(2026, 1, 15),
        D(2026, 1, 15),
        166 * M,
    )
    assert gpu.frozen_in_phase_id == phase_ready.pk
    assert (data.status, data.released_krw) == ("frozen", 6 * BN)
    assert data.executions.get().status == "approved"  # data already provided stays recorded
    assert (beta.status, beta.released_krw) == ("active", 0)
    with pytest.raises(ValidationError, match="frozen on 2026-01-15"):
        execution_record(
            allocation=data,
            spent_on=D(2026, 2, 1),
            amount_krw=1,
            description="late",
            actor=world["users"]["alpha"],
        )
    with pytest.raises(ValidationError, match="ALPHA is eliminated"):
        allocation_create(
            line=world["lines"]["talent"],
            consortium=world["teams"]["ALPHA"],
            amount_krw=1,
            period_start=D(2026, 2, 1),
            period_end=D(2026, 6, 30),
            actor=staff,
        )


def test_a_failed_finalize_freezes_nothing(world, phase_ready, monkeypatch):
    """Same transaction: if finalizing fails after the freeze, the freeze is rolled back with it."""
    import evaluations.services.standings as standings_module

    staff = world["users"]["staff"]
    gpu = allocation_create(
        line=world["lines"]["gpu"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=181 * M,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        gpu_model="B200",
        gpu_count=512,
        actor=staff,
    )

    def failing_audit(**kwargs):
        if str(kwargs.get("action", "")).endswith("finalize"):
            raise RuntimeError("disk full")
        return original_audit(**kwargs)

    original_audit = standings_module.audit_record
    monkeypatch.setattr(standings_module, "audit_record", failing_audit)
    with pytest.raises(RuntimeError, match="disk full"):
        evaluation_services.phase_finalize(phase=phase_ready, actor=staff)
    gpu.refresh_from_db()
    assert (gpu.status, gpu.released_krw, gpu.period_end) == ("active", 0, D(2026, 6, 30))
    assert Consortium.objects.get(code="ALPHA").status == Consortium.Status.ACTIVE
    assert not Allocation.objects.filter(status="frozen").exists()
