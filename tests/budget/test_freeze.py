"""Freezing an eliminated team's allocations (allocations_freeze_for_elimination), called directly.

The end-to-end path through evaluations.services.phase_finalize is in test_freeze_via_finalize.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from budget.models import Allocation, Execution
from budget.selectors import budget_line_figures, gpu_by_team_over_time
from budget.services import (
    allocation_create,
    allocations_freeze_for_elimination,
    execution_approve,
    execution_record,
    execution_reject,
)
from common.models import AuditEvent
from tests.helpers import BN

pytestmark = pytest.mark.django_db

D = dt.date
M = 1_000_000
FREEZE = D(2026, 1, 15)


@pytest.fixture
def alpha_allocations(world):
    staff, alpha = world["users"]["staff"], world["teams"]["ALPHA"]
    gpu = world["lines"]["gpu"]

    def gpu_alloc(amount, start, end, model):
        return allocation_create(
            line=gpu,
            consortium=alpha,
            amount_krw=amount,
            period_start=start,
            period_end=end,
            gpu_model=model,
            gpu_count=512,
            actor=staff,
        )

    allocations = {
        "gpu_past": gpu_alloc(184 * M, D(2025, 7, 1), D(2025, 12, 31), "B200"),
        "gpu_current": gpu_alloc(181 * M, D(2026, 1, 1), D(2026, 6, 30), "H100"),
        "gpu_future": gpu_alloc(184 * M, D(2026, 7, 1), D(2026, 12, 31), "B200"),
        "data": allocation_create(
            line=world["lines"]["purchase"],
            consortium=alpha,
            amount_krw=10 * BN,
            period_start=D(2025, 8, 1),
            period_end=D(2026, 6, 30),
            actor=staff,
        ),
    }
    data = allocations["data"]

    def spend(amount, on):
        return execution_record(
            allocation=data, spent_on=on, amount_krw=amount, description="data", actor=world["users"]["alpha"]
        )

    execution_approve(execution=spend(3 * BN, D(2025, 10, 1)), actor=staff)
    spend(BN, D(2026, 1, 10))  # pending, before the freeze: still counts
    spend(BN // 2, D(2026, 1, 20))  # pending, after the freeze: rejected by it
    execution_reject(execution=spend(2 * BN, D(2025, 11, 1)), actor=staff, reason="wrong project")
    # Another team's allocation must not be touched.
    allocations["beta"] = allocation_create(
        line=gpu,
        consortium=world["teams"]["BETA"],
        amount_krw=181 * M,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        gpu_model="B200",
        gpu_count=512,
        actor=staff,
    )
    return allocations


def _freeze(world):
    return allocations_freeze_for_elimination(
        consortium=world["teams"]["ALPHA"],
        phase=world["phase"],
        effective_on=FREEZE,
        actor=world["users"]["staff"],
    )


def _state(allocation):
    allocation.refresh_from_db()
    return allocation.status, allocation.frozen_on, allocation.period_end, allocation.released_krw


def test_freeze_ends_gpu_periods_and_releases_unspent_money(world, alpha_allocations):
    frozen = _freeze(world)
    assert sorted(a.pk for a in frozen) == sorted(
        alpha_allocations[k].pk for k in ("gpu_past", "gpu_current", "gpu_future", "data")
    )
    # Ended before the freeze: nothing to release, period unchanged.
    assert _state(alpha_allocations["gpu_past"]) == ("frozen", FREEZE, D(2025, 12, 31), 0)
    # Running: ends on the freeze day; keeps 15 of 181 days, pro rata.
    assert _state(alpha_allocations["gpu_current"]) == ("frozen", FREEZE, FREEZE, 166 * M)
    # Not started: zero days, all released.
    assert _state(alpha_allocations["gpu_future"]) == ("frozen", FREEZE, D(2026, 6, 30), 184 * M)
    assert alpha_allocations["gpu_future"].planned_period_end == D(2026, 12, 31)
    # Data: keeps what was spent up to the freeze (approved 3bn + pending 1bn); 6bn goes back to the line.
    assert _state(alpha_allocations["data"]) == ("frozen", FREEZE, D(2026, 6, 30), 6 * BN)
    assert alpha_allocations["data"].frozen_in_phase == world["phase"]
    assert _state(alpha_allocations["beta"]) == ("active", None, D(2026, 6, 30), 0)


def test_freeze_keeps_data_already_provided_and_rejects_later_pending_spending(world, alpha_allocations):
    _freeze(world)
    by_date = dict(Execution.objects.values_list("spent_on", "status"))
    assert by_date == {
        D(2025, 10, 1): "approved",  # provided data stays recorded
        D(2026, 1, 10): "pending",  # can still be approved
        D(2026, 1, 20): "rejected",  # after the freeze
        D(2025, 11, 1): "rejected",
    }
    late = Execution.objects.get(spent_on=D(2026, 1, 20))
    assert "dated after the allocation was frozen on 2026-01-15" in late.decision_note
    execution_approve(execution=Execution.objects.get(spent_on=D(2026, 1, 10)), actor=world["users"]["staff"])


def test_spending_after_the_freeze_is_refused(world, alpha_allocations):
    _freeze(world)
    current = alpha_allocations["gpu_current"]
    with pytest.raises(
        ValidationError,
        match="frozen on 2026-01-15 when the team was eliminated; spending dated "
        "2026-01-16 cannot be recorded",
    ) as info:
        execution_record(
            allocation=current,
            spent_on=D(2026, 1, 16),
            amount_krw=1,
            description="lease",
            actor=world["users"]["staff"],
        )
    assert info.value.error_dict["spent_on"][0].code == "allocation_frozen"
    # GPU-days used before the freeze can still be invoiced, up to what the allocation kept.
    execution_record(
        allocation=current,
        spent_on=D(2026, 1, 15),
        amount_krw=15 * M,
        description="lease Jan 1-15",
        actor=world["users"]["staff"],
    )
    with pytest.raises(
        ValidationError, match="exceeds what is left of the allocation: ₩0 of ₩15,000,000 remains"
    ):
        execution_record(
            allocation=current,
            spent_on=D(2026, 1, 14),
            amount_krw=1,
            description="more",
            actor=world["users"]["staff"],
        )


def test_freeze_is_audited_and_runs_once(world, alpha_allocations):
    _freeze(world)
    events = AuditEvent.objects.filter(action="freeze", object_type="budget.allocation")
    assert events.count() == 4
    event = events.get(object_id=str(alpha_allocations["gpu_current"].pk))
    assert event.before["status"] == "active" and event.after["status"] == "frozen"
    assert event.context["extra"]["released_krw"] == 166 * M
    assert event.context["extra"]["effective_on"] == "2026-01-15"
    assert _freeze(world) == []
    assert AuditEvent.objects.filter(action="freeze").count() == 4


def test_released_money_returns_to_the_line_figures_and_gpu_hours_stop(world, alpha_allocations):
    _freeze(world)
    gpu_line = budget_line_figures(program_id=world["lines"]["gpu"].program_id).get(code="GPU")
    # Kept: 184M + 15M (ALPHA) + 181M (BETA).
    assert (gpu_line.allocated_krw, gpu_line.released_krw) == (380 * M, 350 * M)
    assert gpu_line.remaining_krw == 157_600_000_000 - 380 * M
    rows = {
        (r.consortium_code, r.period_label, r.gpu_model): (r.gpu_count, r.gpu_hours)
        for r in gpu_by_team_over_time(program_id=world["lines"]["gpu"].program_id)
    }
    assert rows == {
        ("ALPHA", "2025H2", "B200"): (512, 512 * 24 * 184),
        ("ALPHA", "2026H1", "H100"): (512, 512 * 24 * 15),
        ("BETA", "2026H1", "B200"): (512, 512 * 24 * 181),
    }


def test_freeze_of_a_team_without_allocations_does_nothing(world):
    assert (
        allocations_freeze_for_elimination(
            consortium=world["teams"]["BETA"], phase=world["phase"], effective_on=FREEZE, actor=None
        )
        == []
    )


def test_freeze_needs_a_real_date(world, alpha_allocations):
    with pytest.raises(ValidationError, match="The freeze date must be a date"):
        allocations_freeze_for_elimination(
            consortium=world["teams"]["ALPHA"], phase=world["phase"], effective_on="2026-01-15", actor=None
        )
    assert not Allocation.objects.filter(status="frozen").exists()
