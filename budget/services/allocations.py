"""Writes for allocations: giving part of a line to a consortium, and freezing a team's allocations when
it is eliminated."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.arithmetic import freeze_terms, krw
from budget.models import Allocation, BudgetLine, Category, Execution
from budget.selectors import allocation_room
from budget.services._checks import a_date, field_error, krw_amount, record_snapshot, require_budget_manager
from common.audit import audit_record, snapshot
from common.models import AuditEvent
from consortia.models import Consortium


def _gpu_fields(line: BudgetLine, gpu_model, gpu_count) -> tuple[str, int | None]:
    if line.category != Category.GPU:
        if gpu_model not in (None, "") or gpu_count is not None:
            raise ValidationError(
                _("Line %(line)s is not a GPU line; leave the GPU model and count empty.")
                % {"line": line.code},
                code="gpu_fields_on_non_gpu_line",
            )
        return "", None
    errors = {}
    model = gpu_model.strip() if isinstance(gpu_model, str) else ""
    if not model:
        errors["gpu_model"] = ValidationError(
            _("A GPU line needs the GPU model (e.g. B200)."), code="required"
        )
    elif len(model) > 40:
        errors["gpu_model"] = ValidationError(
            _("The GPU model name is too long (at most 40 characters)."), code="too_long"
        )
    if isinstance(gpu_count, bool) or not isinstance(gpu_count, int) or gpu_count <= 0:
        errors["gpu_count"] = ValidationError(
            _("A GPU line needs a positive whole number of GPUs, not %(value)r.") % {"value": gpu_count},
            code="invalid",
        )
    if errors:
        raise ValidationError(errors)
    return model, gpu_count


@transaction.atomic
def allocation_create(
    *,
    line: BudgetLine,
    consortium: Consortium,
    amount_krw: int,
    period_start: dt.date,
    period_end: dt.date,
    gpu_model: str | None = None,
    gpu_count: int | None = None,
    actor,
    source_note: str = "",
) -> Allocation:
    """Allocate part of ``line`` to ``consortium`` for a period (for GPU lines: so many GPUs of a model).

    Checks, all inside this transaction: the actor is ministry staff; the amount is a positive whole number
    of won; the period does not end before it starts; GPU lines have a GPU model and count and other lines
    none; the team is active and in the line's program; the amount fits in what is left of the line and under
    the team's cap for the category and fiscal year. The rows of every line of the same category and fiscal
    year are locked first (``SELECT … FOR UPDATE``), then the team's row, so two concurrent allocations
    cannot both squeeze past the line total or the cap, and a team cannot be eliminated mid-way.

    Side effects: writes Allocation; appends an audit event. Raises PermissionDenied or ValidationError
    (nothing saved).
    """
    require_budget_manager(actor)
    amount = krw_amount(amount_krw, field="amount_krw", label=_("The allocation amount"))
    start = a_date(period_start, field="period_start", label=_("The period start"))
    end = a_date(period_end, field="period_end", label=_("The period end"))
    if end < start:
        raise field_error(
            "period_end",
            _("The period ends (%(end)s) before it starts (%(start)s).") % {"end": end, "start": start},
            "period_order",
        )
    # Locked in primary-key order, the same order everywhere, so concurrent writers cannot deadlock.
    scope = (
        BudgetLine.objects.select_for_update()
        .filter(program_id=line.program_id, category=line.category, fiscal_year=line.fiscal_year)
        .order_by("pk")
    )
    locked_line = next((candidate for candidate in scope if candidate.pk == line.pk), None)
    if locked_line is None:
        raise ValidationError(
            _("Budget line %(line)s no longer exists.") % {"line": line.code}, code="no_line"
        )
    model, count = _gpu_fields(locked_line, gpu_model, gpu_count)
    team = Consortium.objects.select_for_update().get(pk=consortium.pk)
    if team.program_id != locked_line.program_id:
        raise ValidationError(
            _("%(team)s is not in the program of line %(line)s.")
            % {"team": team.code, "line": locked_line.code},
            code="wrong_program",
        )
    if not team.is_active:
        raise ValidationError(
            _("%(team)s is %(status)s (since %(date)s); nothing can be allocated to it.")
            % {"team": team.code, "status": team.get_status_display().lower(), "date": team.left_on},
            code="team_not_active",
        )
    room = allocation_room(line=locked_line, consortium=team)
    if amount > room.line_remaining_krw:
        raise field_error(
            "amount_krw",
            _("%(amount)s exceeds what is left of line %(line)s: %(left)s of %(total)s remains.")
            % {
                "amount": krw(amount),
                "line": locked_line.code,
                "left": krw(max(room.line_remaining_krw, 0)),
                "total": krw(room.line_amount_krw),
            },
            "line_total_exceeded",
        )
    team_left = room.team_remaining_krw
    if room.cap_krw is not None and team_left is not None and amount > team_left:
        raise field_error(
            "amount_krw",
            _(
                "%(amount)s exceeds the per-team cap for %(category)s in %(year)s: "
                "%(team)s already holds %(held)s of %(cap)s, so %(left)s remains."
            )
            % {
                "amount": krw(amount),
                "category": locked_line.get_category_display(),
                "year": locked_line.fiscal_year,
                "team": team.code,
                "held": krw(room.team_allocated_krw),
                "cap": krw(room.cap_krw),
                "left": krw(max(team_left, 0)),
            },
            "team_cap_exceeded",
        )
    allocation = Allocation(
        line=locked_line,
        consortium=team,
        period_start=start,
        period_end=end,
        planned_period_end=end,
        amount_krw=amount,
        gpu_model=model,
        gpu_count=count,
        created_by=actor,
        source_note=source_note,
    )
    allocation.full_clean()
    allocation.save()
    audit_record(actor=actor, action=AuditEvent.Action.CREATE, target=allocation, after=snapshot(allocation))
    return allocation


@transaction.atomic
def allocations_freeze_for_elimination(
    *, consortium: Consortium, phase, effective_on: dt.date, actor
) -> list[Allocation]:
    """Freeze every active allocation of an eliminated (or withdrawn) team as of ``effective_on``.

    Called by ``evaluations.services.phase_finalize`` inside its transaction (and by the program loader for
    teams that already left). ``effective_on`` (normally the phase's result date) is the last day of support:

    * GPU allocations end that day (``period_end`` = min(period_end, effective_on); one that had not started
      is cut to zero days). The team keeps the planned amount pro rata of the GPU-days it had, or what it has
      spent if more; the rest is released back to the line.
    * Other allocations keep what was spent (data already provided stays recorded); the rest is released.
    * Spending dated after ``effective_on`` that is still pending is rejected; later spending is refused by
      ``execution_record``.

    Each allocation row is locked. Running it again changes nothing (frozen allocations are skipped).
    Side effects: updates Allocation (status, frozen_on, frozen_in_phase, period_end, released_krw) and
    late pending Execution rows; appends an audit event per change. Returns the allocations frozen now.
    """
    effective_on = a_date(effective_on, field="effective_on", label=_("The freeze date"))
    allocations = list(
        Allocation.objects.select_for_update(of=("self",))
        .select_related("line")
        .filter(consortium_id=consortium.pk, status=Allocation.Status.ACTIVE)
        .order_by("pk")
    )
    if not allocations:
        return []
    now = timezone.now()
    late = list(
        Execution.objects.select_for_update()
        .filter(allocation__in=allocations, status=Execution.Status.PENDING, spent_on__gt=effective_on)
        .order_by("pk")
    )
    for execution in late:
        before = record_snapshot(execution)
        execution.status = Execution.Status.REJECTED
        execution.decided_by = actor
        execution.decided_at = now
        execution.decision_note = _(
            "Rejected automatically: dated after the allocation was frozen on %(date)s (team eliminated)."
        ) % {"date": effective_on}
        execution.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        audit_record(
            actor=actor,
            action=AuditEvent.Action.UPDATE,
            target=execution,
            before=before,
            after=record_snapshot(execution),
            extra={"decision": "rejected", "reason": "allocation frozen"},
        )
    spent = dict(
        Execution.objects.filter(allocation__in=allocations)
        .exclude(status=Execution.Status.REJECTED)
        .values("allocation")
        .annotate(total=Sum("amount_krw"))
        .order_by()
        .values_list("allocation", "total")
    )
    for allocation in allocations:
        before = snapshot(allocation)
        terms = freeze_terms(
            amount_krw=allocation.amount_krw,
            period_start=allocation.period_start,
            period_end=allocation.period_end,
            planned_period_end=allocation.planned_period_end,
            effective_on=effective_on,
            spent_krw=spent.get(allocation.pk, 0),
            is_gpu=allocation.line.category == Category.GPU,
        )
        allocation.status = Allocation.Status.FROZEN
        allocation.frozen_on = effective_on
        allocation.frozen_in_phase = phase
        allocation.period_end = terms.period_end
        allocation.released_krw = terms.released_krw
        allocation.save(
            update_fields=["status", "frozen_on", "frozen_in_phase", "period_end", "released_krw"]
        )
        audit_record(
            actor=actor,
            action=AuditEvent.Action.FREEZE,
            target=allocation,
            before=before,
            after=snapshot(allocation),
            extra={
                "phase_id": getattr(phase, "pk", None),
                "effective_on": effective_on,
                "released_krw": terms.released_krw,
                "retained_krw": terms.retained_krw,
            },
        )
    return allocations


def allocation_executions_total(*, allocation: Allocation) -> int:
    """Spending counted against the allocation: approved and pending (rejected spending does not count)."""
    return (
        Execution.objects.filter(Q(allocation=allocation) & ~Q(status=Execution.Status.REJECTED)).aggregate(
            total=Sum("amount_krw")
        )["total"]
        or 0
    )
