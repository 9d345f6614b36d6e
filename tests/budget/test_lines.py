"""Budget lines, amendments and per-team caps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from budget.models import BudgetLine, BudgetLineAmendment, Category, CategoryCap
from budget.services import allocation_create, budget_line_amend, budget_line_create, category_cap_set
from common.models import AuditEvent
from tests.helpers import BN

pytestmark = pytest.mark.django_db


def _allocate(world, line="processing", team="ALPHA", amount=2 * BN):
    return allocation_create(
        line=world["lines"][line],
        consortium=world["teams"][team],
        amount_krw=amount,
        period_start=dt.date(2025, 8, 1),
        period_end=dt.date(2025, 12, 31),
        actor=world["users"]["staff"],
    )


def test_budget_line_create_records_audit(world):
    line = budget_line_create(
        program=world["lines"]["gpu"].program,
        code="OPS-25",
        name="Operations",
        fiscal_year=2025,
        category=Category.OPERATIONS,
        amount_krw=1 * BN,
        actor=world["users"]["staff"],
        source_note="test",
    )
    assert BudgetLine.objects.get(code="OPS-25").amount_krw == 1 * BN
    event = AuditEvent.objects.get(object_type="budget.budgetline", object_id=str(line.pk))
    assert event.action == "create"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (1.5e9, "not the floating-point number 1500000000.0"),
        (Decimal("10.5"), "has a fraction of a won"),
        ("1000", "must be a whole number of won, not '1000'"),
        (0, "must be positive; got ₩0"),
    ],
)
def test_budget_line_create_refuses_bad_amounts(world, amount, message):
    with pytest.raises(ValidationError, match=message):
        budget_line_create(
            program=world["lines"]["gpu"].program,
            code="X",
            name="X",
            fiscal_year=2025,
            category=Category.OPERATIONS,
            amount_krw=amount,
            actor=world["users"]["staff"],
        )
    assert not BudgetLine.objects.filter(code="X").exists()


def test_budget_line_create_refuses_duplicate_code(world):
    with pytest.raises(ValidationError, match="A budget line with this code already exists in the program."):
        budget_line_create(
            program=world["lines"]["gpu"].program,
            code="GPU",
            name="again",
            fiscal_year=2025,
            category=Category.GPU,
            amount_krw=1,
            actor=world["users"]["staff"],
        )


def test_budget_line_create_is_staff_only(world):
    with pytest.raises(PermissionDenied):
        budget_line_create(
            program=world["lines"]["gpu"].program,
            code="X",
            name="X",
            fiscal_year=2025,
            category=Category.OPERATIONS,
            amount_krw=1,
            actor=world["users"]["auditor"],
        )


def test_amend_records_old_and_new_amount_and_reason(world):
    line = world["lines"]["talent"]
    amendment = budget_line_amend(
        line=line, new_amount_krw=6 * BN, reason="Second supplementary budget", actor=world["users"]["staff"]
    )
    amendment.refresh_from_db()
    assert (amendment.old_amount_krw, amendment.new_amount_krw) == (5 * BN, 6 * BN)
    assert amendment.reason == "Second supplementary budget"
    assert amendment.amended_by == world["users"]["staff"]
    assert amendment.amended_at is not None
    line.refresh_from_db()
    assert line.amount_krw == 6 * BN
    second = budget_line_amend(line=line, new_amount_krw=4 * BN, reason="Cut", actor=world["users"]["staff2"])
    assert list(
        BudgetLineAmendment.objects.filter(line=line).values_list("old_amount_krw", "new_amount_krw")
    ) == [
        (5 * BN, 6 * BN),
        (6 * BN, 4 * BN),
    ]
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "object_type"))
    assert actions == [("create", "budget.budgetlineamendment"), ("update", "budget.budgetline")] * 2
    assert second.pk != amendment.pk


def test_amend_refuses_amount_below_what_is_allocated(world):
    _allocate(world, line="talent", amount=2 * BN)
    with pytest.raises(
        ValidationError,
        match=r"₩2,000,000,000 of line TALENT is already allocated; "
        r"the new amount ₩1,999,999,999 cannot be lower",
    ):
        budget_line_amend(
            line=world["lines"]["talent"],
            new_amount_krw=2 * BN - 1,
            reason="cut",
            actor=world["users"]["staff"],
        )
    budget_line_amend(
        line=world["lines"]["talent"],
        new_amount_krw=2 * BN,
        reason="cut to allocated",
        actor=world["users"]["staff"],
    )
    assert BudgetLineAmendment.objects.count() == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"new_amount_krw": 5 * BN, "reason": "same"}, "already ₩5,000,000,000; an amendment must change it"),
        ({"new_amount_krw": 6 * BN, "reason": "   "}, "The reason for the amendment is required."),
        ({"new_amount_krw": -1, "reason": "negative"}, "must be positive; got -₩1"),
        ({"new_amount_krw": 6e9, "reason": "float"}, "floating-point"),
        ({"new_amount_krw": True, "reason": "bool"}, "not true/false"),
    ],
)
def test_amend_refuses_bad_input_and_saves_nothing(world, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        budget_line_amend(line=world["lines"]["talent"], actor=world["users"]["staff"], **kwargs)
    assert BudgetLineAmendment.objects.count() == 0
    assert BudgetLine.objects.get(code="TALENT").amount_krw == 5 * BN
    assert not AuditEvent.objects.exists()


def test_amend_is_staff_only(world):
    for who in ("alpha", "auditor", "evaluator"):
        with pytest.raises(PermissionDenied):
            budget_line_amend(
                line=world["lines"]["talent"], new_amount_krw=1, reason="x", actor=world["users"][who]
            )


def test_amendment_needs_a_reason_in_the_database(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLineAmendment.objects.create(
            line=world["lines"]["talent"],
            old_amount_krw=1,
            new_amount_krw=2,
            reason="",
            amended_by=world["users"]["staff"],
            amended_at="2026-01-01T00:00Z",
        )


def test_category_cap_set_creates_and_updates(world):
    program = world["lines"]["gpu"].program
    cap = category_cap_set(
        program=program,
        category=Category.TALENT_MATCHING,
        per_team_amount_krw=2 * BN,
        actor=world["users"]["staff"],
    )
    assert (cap.fiscal_year, cap.per_team_amount_krw) == (None, 2 * BN)
    year_cap = category_cap_set(
        program=program,
        category=Category.TALENT_MATCHING,
        fiscal_year=2026,
        per_team_amount_krw=3 * BN,
        actor=world["users"]["staff"],
    )
    assert year_cap.pk != cap.pk
    again = category_cap_set(
        program=program,
        category=Category.TALENT_MATCHING,
        per_team_amount_krw=BN,
        actor=world["users"]["staff"],
    )
    assert again.pk == cap.pk and CategoryCap.objects.get(pk=cap.pk).per_team_amount_krw == BN
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        "create",
        "create",
        "update",
    ]


def test_category_cap_set_refuses_a_cap_below_what_a_team_holds(world):
    _allocate(world, amount=4 * BN)
    with pytest.raises(ValidationError, match=r"ALPHA already holds ₩4,000,000,000 in this category in 2025"):
        category_cap_set(
            program=world["lines"]["gpu"].program,
            category=Category.DATA_PROCESSING,
            per_team_amount_krw=3 * BN,
            actor=world["users"]["staff"],
        )
    assert CategoryCap.objects.get(category=Category.DATA_PROCESSING).per_team_amount_krw == 5 * BN
    # A cap for another fiscal year does not govern 2025.
    category_cap_set(
        program=world["lines"]["gpu"].program,
        category=Category.DATA_PROCESSING,
        fiscal_year=2026,
        per_team_amount_krw=3 * BN,
        actor=world["users"]["staff"],
    )


def test_category_caps_are_unique_per_year_in_the_database(world):
    program = world["lines"]["gpu"].program
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryCap.objects.create(program=program, category=Category.DATA_PROCESSING, per_team_amount_krw=1)
