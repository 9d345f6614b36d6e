"""Allocations: every check of allocation_create, and the caps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from budget.models import Allocation
from budget.selectors import allocation_room
from budget.services import allocation_create
from common.models import AuditEvent
from tests.helpers import BN

pytestmark = pytest.mark.django_db

D = dt.date
AUG_1, DEC_31 = D(2025, 8, 1), D(2025, 12, 31)


def _allocate(
    world,
    *,
    line="processing",
    team="ALPHA",
    amount=BN,
    start=AUG_1,
    end=DEC_31,
    actor="staff",
    **extra,
):
    return allocation_create(
        line=world["lines"][line],
        consortium=world["teams"][team],
        amount_krw=amount,
        period_start=start,
        period_end=end,
        actor=world["users"][actor],
        **extra,
    )


def test_allocation_create_saves_and_audits(world):
    allocation = _allocate(world, amount=3 * BN, source_note="kick-off")
    allocation.refresh_from_db()
    assert (allocation.amount_krw, allocation.status, allocation.released_krw) == (3 * BN, "active", 0)
    assert allocation.planned_period_end == allocation.period_end == D(2025, 12, 31)
    assert (allocation.gpu_model, allocation.gpu_count) == ("", None)
    assert allocation.created_by == world["users"]["staff"]
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == (
        "create",
        "budget.allocation",
        str(allocation.pk),
    )
    assert event.after["amount_krw"] == 3 * BN


def test_allocation_create_gpu_line(world):
    allocation = _allocate(
        world,
        line="gpu",
        amount=10 * BN,
        start=D(2026, 1, 1),
        end=D(2026, 6, 30),
        gpu_model=" B200 ",
        gpu_count=512,
    )
    assert (allocation.gpu_model, allocation.gpu_count) == ("B200", 512)


def test_allocation_accepts_a_whole_decimal(world):
    assert _allocate(world, amount=Decimal("2000000000")).amount_krw == 2 * BN


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "The allocation amount must be positive; got ₩0."),
        (-5, "The allocation amount must be positive; got -₩5."),
        (1e9, "not the floating-point number 1000000000.0"),
        (Decimal("1000.01"), "1000.01 has a fraction of a won"),
        (Decimal("NaN"), "has a fraction of a won"),
        ("1000000000", "must be a whole number of won, not '1000000000'"),
        (True, "not true/false"),
        (None, "must be a whole number of won, not None"),
        (2**63, "too large"),
    ],
)
def test_allocation_refuses_bad_amounts(world, amount, message):
    with pytest.raises(ValidationError, match=message) as info:
        _allocate(world, amount=amount)
    assert list(info.value.message_dict) == ["amount_krw"]
    assert not Allocation.objects.exists() and not AuditEvent.objects.exists()


def test_allocation_refuses_a_period_ending_before_it_starts(world):
    with pytest.raises(
        ValidationError, match=r"The period ends \(2025-07-31\) before it starts \(2025-08-01\)"
    ):
        _allocate(world, start=D(2025, 8, 1), end=D(2025, 7, 31))
    assert not Allocation.objects.exists()


def test_allocation_refuses_datetimes_as_dates(world):
    with pytest.raises(ValidationError, match="The period start must be a date"):
        _allocate(world, start=dt.datetime(2025, 8, 1, tzinfo=dt.UTC))


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({}, "A GPU line needs the GPU model"),
        ({"gpu_model": "B200"}, "A GPU line needs a positive whole number of GPUs, not None"),
        ({"gpu_model": "B200", "gpu_count": 0}, "positive whole number of GPUs, not 0"),
        ({"gpu_model": "B200", "gpu_count": 1.5}, "positive whole number of GPUs, not 1.5"),
        ({"gpu_model": "x" * 41, "gpu_count": 8}, "too long"),
    ],
)
def test_gpu_line_needs_model_and_count(world, extra, message):
    with pytest.raises(ValidationError, match=message):
        _allocate(world, line="gpu", **extra)
    assert not Allocation.objects.exists()


def test_non_gpu_line_refuses_gpu_fields(world):
    with pytest.raises(ValidationError, match="PROC is not a GPU line; leave the GPU model and count empty"):
        _allocate(world, gpu_model="B200", gpu_count=8)


@pytest.mark.parametrize("team", ["GONE"])
def test_allocation_refused_for_a_team_that_left(world, team):
    with pytest.raises(
        ValidationError, match=r"GONE is withdrawn \(since 2025-10-01\); nothing can be allocated"
    ):
        _allocate(world, team=team)
    assert not Allocation.objects.exists()


def test_allocation_refused_for_an_eliminated_team(world):
    from consortia.services import consortium_mark_departed

    consortium_mark_departed(
        consortium=world["teams"]["BETA"], status="eliminated", left_on=D(2026, 1, 15), phase=world["phase"]
    )
    with pytest.raises(ValidationError, match="BETA is eliminated"):
        _allocate(world, team="BETA")


@pytest.mark.parametrize("who", ["alpha", "auditor", "evaluator"])
def test_allocation_is_staff_only(world, who):
    with pytest.raises(PermissionDenied):
        _allocate(world, actor=who)


def test_line_total_is_enforced_with_the_room_left_in_the_message(world):
    _allocate(world, line="talent", team="ALPHA", amount=2 * BN)
    _allocate(world, line="talent", team="BETA", amount=2 * BN)
    # 1bn left of the 5bn talent line; there is no talent cap in this world.
    with pytest.raises(
        ValidationError,
        match=r"₩1,000,000,001 exceeds what is left of line TALENT: "
        r"₩1,000,000,000 of ₩5,000,000,000 remains",
    ) as info:
        _allocate(world, line="talent", team="ALPHA", amount=BN + 1)
    assert info.value.error_dict["amount_krw"][0].code == "line_total_exceeded"
    _allocate(world, line="talent", team="ALPHA", amount=BN)
    assert (
        allocation_room(line=world["lines"]["talent"], consortium=world["teams"]["ALPHA"]).remaining_krw == 0
    )


def test_per_team_cap_is_enforced_per_category_and_year_across_lines(world):
    # The ₩5bn data-processing cap covers both processing lines together.
    _allocate(world, line="processing", amount=3 * BN)
    with pytest.raises(
        ValidationError,
        match=r"₩2,000,000,001 exceeds the per-team cap for Data processing in "
        r"2025: ALPHA already holds ₩3,000,000,000 of ₩5,000,000,000, so "
        r"₩2,000,000,000 remains",
    ) as info:
        _allocate(world, line="processing_extra", amount=2 * BN + 1)
    assert info.value.error_dict["amount_krw"][0].code == "team_cap_exceeded"
    _allocate(world, line="processing_extra", amount=2 * BN)
    # Another team has its own room.
    _allocate(world, line="processing", team="BETA", amount=5 * BN)


def test_per_team_cap_for_a_fiscal_year_overrides_the_every_year_cap(world, program):
    from budget.models import BudgetLine, Category, CategoryCap

    line_2026 = BudgetLine.objects.create(
        program=program,
        code="PROC-26",
        name="2026",
        fiscal_year=2026,
        category=Category.DATA_PROCESSING,
        amount_krw=30 * BN,
    )
    CategoryCap.objects.create(
        program=program, category=Category.DATA_PROCESSING, fiscal_year=2026, per_team_amount_krw=3 * BN
    )
    world["lines"]["p26"] = line_2026
    room = allocation_room(line=line_2026, consortium=world["teams"]["ALPHA"])
    assert (room.cap_krw, room.team_remaining_krw) == (3 * BN, 3 * BN)
    with pytest.raises(ValidationError, match="per-team cap for Data processing in 2026"):
        _allocate(world, line="p26", amount=3 * BN + 1, start=D(2026, 1, 1), end=D(2026, 6, 30))
    # 2025 still has the every-year ₩5bn cap, untouched by 2026 allocations.
    _allocate(world, line="p26", amount=3 * BN, start=D(2026, 1, 1), end=D(2026, 6, 30))
    assert (
        allocation_room(line=world["lines"]["processing"], consortium=world["teams"]["ALPHA"]).remaining_krw
        == 5 * BN
    )


def test_released_money_counts_as_room_again(world):
    allocation = _allocate(world, line="talent", amount=5 * BN)
    Allocation.objects.filter(pk=allocation.pk).update(
        status="frozen", frozen_on=D(2025, 9, 1), released_krw=4 * BN
    )
    room = allocation_room(line=world["lines"]["talent"], consortium=world["teams"]["BETA"])
    assert (room.line_allocated_krw, room.line_remaining_krw, room.cap_krw) == (BN, 4 * BN, None)
    _allocate(world, line="talent", team="BETA", amount=4 * BN)


def test_allocation_room_reports_both_rooms(world, django_assert_max_num_queries):
    _allocate(world, line="processing", amount=4 * BN)
    _allocate(world, line="processing", team="BETA", amount=5 * BN)
    with django_assert_max_num_queries(2):
        room = allocation_room(line=world["lines"]["processing"], consortium=world["teams"]["ALPHA"])
    assert room.line_amount_krw == 30 * BN
    assert (room.line_allocated_krw, room.line_remaining_krw) == (9 * BN, 21 * BN)
    assert (room.cap_krw, room.team_allocated_krw, room.team_remaining_krw) == (5 * BN, 4 * BN, BN)
    assert room.remaining_krw == BN


@pytest.mark.parametrize(
    "change",
    [
        {"amount_krw": 0},
        {"released_krw": BN + 1},
        {"released_krw": -1},
        {"period_end": D(2025, 7, 31)},  # ends before it starts without a freeze
        {"planned_period_end": D(2025, 7, 31), "period_end": D(2025, 7, 31)},
        {"period_end": D(2026, 1, 31)},  # later than planned
        {"status": "frozen"},  # frozen without a date
        {"frozen_on": D(2025, 9, 1)},  # a date without being frozen
        {"gpu_model": "B200"},  # model without a count
        {"gpu_count": 8},  # count without a model
        {"gpu_model": "B200", "gpu_count": 0},
    ],
    ids=lambda change: ",".join(change),
)
def test_database_refuses_inconsistent_allocations(world, change):
    base = dict(
        line=world["lines"]["processing"],
        consortium=world["teams"]["ALPHA"],
        period_start=D(2025, 8, 1),
        period_end=D(2025, 12, 31),
        planned_period_end=D(2025, 12, 31),
        amount_krw=BN,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(**{**base, **change})
