"""Writes for budget lines, their amendments and per-team category caps."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.arithmetic import krw
from budget.models import Allocation, BudgetLine, BudgetLineAmendment, Category, CategoryCap
from budget.selectors import committed_krw
from budget.services._checks import field_error, krw_amount, require_budget_manager, required_text
from common.audit import audit_record, snapshot
from common.models import AuditEvent
from consortia.models import Program


@transaction.atomic
def budget_line_create(
    *,
    program: Program,
    code: str,
    name: str,
    fiscal_year: int,
    category: str,
    amount_krw: int,
    actor,
    source_note: str = "",
    is_illustrative: bool = False,
) -> BudgetLine:
    """Create a budget line.

    Side effects: writes BudgetLine; appends an audit event. Raises PermissionDenied unless the actor is
    ministry staff, ValidationError for bad input (nothing is saved).
    """
    require_budget_manager(actor)
    amount = krw_amount(amount_krw, field="amount_krw", label=_("The line amount"))
    if category not in Category.values:
        raise field_error(
            "category", _("Unknown category %(value)r.") % {"value": category}, "invalid_choice"
        )
    line = BudgetLine(
        program=program,
        code=code,
        name=name,
        fiscal_year=fiscal_year,
        category=category,
        amount_krw=amount,
        source_note=source_note,
        is_illustrative=is_illustrative,
    )
    line.full_clean()
    line.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=line, after=snapshot(line))
    return line


@transaction.atomic
def budget_line_amend(*, line: BudgetLine, new_amount_krw: int, reason: str, actor) -> BudgetLineAmendment:
    """Change a line's amount, recording who, when, why, and the old and new amounts.

    The line row is locked, so the amount cannot drop below what is allocated while an allocation is being
    made. Side effects: writes BudgetLineAmendment and BudgetLine.amount_krw; appends two audit events.
    """
    require_budget_manager(actor)
    new_amount = krw_amount(new_amount_krw, field="new_amount_krw", label=_("The new amount"))
    reason = required_text(reason, field="reason", label=_("The reason for the amendment"), max_length=2000)
    locked = BudgetLine.objects.select_for_update().get(pk=line.pk)
    if new_amount == locked.amount_krw:
        raise field_error(
            "new_amount_krw",
            _("The line is already %(amount)s; an amendment must change it.") % {"amount": krw(new_amount)},
            "unchanged",
        )
    allocated = Allocation.objects.filter(line=locked).aggregate(total=Sum(committed_krw()))["total"] or 0
    if new_amount < allocated:
        raise field_error(
            "new_amount_krw",
            _(
                "%(allocated)s of line %(line)s is already allocated; "
                "the new amount %(amount)s cannot be lower."
            )
            % {"allocated": krw(allocated), "line": locked.code, "amount": krw(new_amount)},
            "below_allocated",
        )
    before = snapshot(locked)
    amendment = BudgetLineAmendment.objects.create(
        line=locked,
        old_amount_krw=locked.amount_krw,
        new_amount_krw=new_amount,
        reason=reason,
        amended_by=actor,
        amended_at=timezone.now(),
    )
    locked.amount_krw = new_amount
    locked.save(update_fields=["amount_krw"])
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=amendment, after=snapshot(amendment))
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        target=locked,
        before=before,
        after=snapshot(locked),
        extra={"amendment_id": amendment.pk, "reason": reason},
    )
    line.amount_krw = new_amount
    return amendment


@transaction.atomic
def category_cap_set(
    *,
    program: Program,
    category: str,
    fiscal_year: int | None = None,
    per_team_amount_krw: int,
    actor,
    source_note: str = "",
) -> CategoryCap:
    """Create or change the per-team cap of a category (for one fiscal year, or every year if None).

    Refused if some team already holds more than the new cap. The lines of the category are locked so no
    allocation slips in between the check and the change. Side effects: writes CategoryCap; audit event.
    """
    require_budget_manager(actor)
    amount = krw_amount(per_team_amount_krw, field="per_team_amount_krw", label=_("The per-team cap"))
    if category not in Category.values:
        raise field_error(
            "category", _("Unknown category %(value)r.") % {"value": category}, "invalid_choice"
        )
    lines = BudgetLine.objects.select_for_update().filter(program=program, category=category)
    if fiscal_year is not None:
        lines = lines.filter(fiscal_year=fiscal_year)
    list(lines.order_by("pk"))
    holdings = Allocation.objects.filter(line__program=program, line__category=category)
    if fiscal_year is not None:
        holdings = holdings.filter(line__fiscal_year=fiscal_year)
    else:
        # Years with their own cap are not governed by the every-year cap.
        own_years = CategoryCap.objects.filter(program=program, category=category, fiscal_year__isnull=False)
        holdings = holdings.exclude(line__fiscal_year__in=own_years.values("fiscal_year"))
    top = (
        holdings.values("consortium__code", "line__fiscal_year")
        .annotate(total=Sum(committed_krw()))
        .order_by("-total")
        .first()
    )
    if top and top["total"] > amount:
        raise field_error(
            "per_team_amount_krw",
            _(
                "%(team)s already holds %(held)s in this category in %(year)s; "
                "the cap cannot be set to %(amount)s."
            )
            % {
                "team": top["consortium__code"],
                "held": krw(top["total"]),
                "year": top["line__fiscal_year"],
                "amount": krw(amount),
            },
            "below_allocated",
        )
    cap = (
        CategoryCap.objects.select_for_update()
        .filter(program=program, category=category, fiscal_year=fiscal_year)
        .first()
    )
    before = snapshot(cap) if cap else None
    if cap is None:
        cap = CategoryCap(program=program, category=category, fiscal_year=fiscal_year)
    cap.per_team_amount_krw = amount
    cap.source_note = source_note
    cap.full_clean()
    cap.save()
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE if before else AuditEvent.Action.CREATE,
        target=cap,
        before=before,
        after=snapshot(cap),
    )
    return cap
