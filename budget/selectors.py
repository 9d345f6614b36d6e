"""Reads for the budget: dashboard figures as SQL aggregates, the room left for an allocation, and lists
scoped to what the user may see (``visible_to``, consortia.scoping). Each function runs a fixed number of
queries, whatever the data size."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BigIntegerField,
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear, TruncMonth

from budget.arithmetic import HOURS_PER_DAY
from budget.models import (
    Allocation,
    BudgetLine,
    BudgetLineAmendment,
    Category,
    CategoryCap,
    Execution,
    GpuUsageEntry,
    GpuUsageReport,
)
from budget.permissions import can_view_budget_lines
from consortia.models import Consortium

_ZERO = Value(0, output_field=BigIntegerField())


class DaysInclusive(Func):
    """Days from the first to the second date, both included (negative spans give ≤ 0)."""

    output_field = BigIntegerField()
    arity = 2

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra_context):
        start, end = (compiler.compile(expression) for expression in self.get_source_expressions())
        # PostgreSQL: date - date is a whole number of days.
        return f"({end[0]} - {start[0]} + 1)", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra_context):
        start, end = (compiler.compile(expression) for expression in self.get_source_expressions())
        return f"CAST(julianday({end[0]}) - julianday({start[0]}) + 1 AS INTEGER)", [*end[1], *start[1]]


def committed_krw() -> ExpressionWrapper:
    """What an allocation still holds of its line: the amount minus what a freeze released."""
    return ExpressionWrapper(F("amount_krw") - F("released_krw"), output_field=BigIntegerField())


def sum_or_zero(expression, **kwargs) -> Coalesce:
    """SUM as a whole number (won, GPUs, hours), zero when there are no rows."""
    return Coalesce(
        Sum(expression, output_field=BigIntegerField(), **kwargs), _ZERO, output_field=BigIntegerField()
    )


def allocation_gpu_hours():
    days = DaysInclusive("period_start", "period_end")
    return Case(
        When(
            gpu_count__isnull=False,
            period_end__gte=F("period_start"),
            then=ExpressionWrapper(
                F("gpu_count") * Value(HOURS_PER_DAY) * days, output_field=BigIntegerField()
            ),
        ),
        default=_ZERO,
        output_field=BigIntegerField(),
    )


def _sum_subquery(queryset: QuerySet, group: str, expression) -> Coalesce:
    summed = (
        queryset.order_by()
        .values(group)
        .annotate(total=Sum(expression, output_field=BigIntegerField()))
        .values("total")
    )
    return Coalesce(Subquery(summed, output_field=BigIntegerField()), _ZERO)


# --- Dashboard figures ---------------------------------------------------------------------------------


def budget_line_figures(*, program_id: int, fiscal_year: int | None = None) -> QuerySet[BudgetLine]:
    """Lines annotated with allocated_krw (net of releases), split into active_allocated_krw and
    frozen_allocated_krw (what frozen allocations still hold), released_krw, executed_krw (approved),
    pending_krw (awaiting approval), remaining_krw (not allocated) and unspent_krw (allocated, not spent).
    One query."""
    allocations = Allocation.objects.filter(line=OuterRef("pk"))
    executions = Execution.objects.filter(allocation__line=OuterRef("pk"))
    qs = BudgetLine.objects.filter(program_id=program_id)
    if fiscal_year is not None:
        qs = qs.filter(fiscal_year=fiscal_year)
    return (
        qs.annotate(
            allocated_krw=_sum_subquery(allocations, "line", committed_krw()),
            frozen_allocated_krw=_sum_subquery(
                allocations.filter(status=Allocation.Status.FROZEN), "line", committed_krw()
            ),
            released_krw=_sum_subquery(allocations, "line", F("released_krw")),
            executed_krw=_sum_subquery(
                executions.filter(status=Execution.Status.APPROVED), "allocation__line", F("amount_krw")
            ),
            pending_krw=_sum_subquery(
                executions.filter(status=Execution.Status.PENDING), "allocation__line", F("amount_krw")
            ),
        )
        .annotate(
            remaining_krw=F("amount_krw") - F("allocated_krw"),
            unspent_krw=F("allocated_krw") - F("executed_krw") - F("pending_krw"),
            active_allocated_krw=F("allocated_krw") - F("frozen_allocated_krw"),
        )
        .order_by("fiscal_year", "code")
    )


@dataclass(frozen=True, slots=True)
class FrozenAllocationRow:
    """A frozen allocation as the budget summary shows it, apart from the active ones: what it was
    (amount_krw), what went back to its line (released_krw), what the team keeps (allocated_krw) and what
    it spent of that."""

    line_code: str
    category: str
    consortium_code: str
    amount_krw: int
    released_krw: int
    allocated_krw: int
    executed_krw: int
    pending_krw: int
    frozen_on: dt.date | None
    frozen_in_phase: str | None


def frozen_allocation_figures(*, program_id: int) -> list[FrozenAllocationRow]:
    """The program's frozen allocations with their figures, by line and team. One query."""
    executions = Execution.objects.filter(allocation=OuterRef("pk"))
    rows = (
        Allocation.objects.filter(line__program_id=program_id, status=Allocation.Status.FROZEN)
        .annotate(
            allocated_krw=committed_krw(),
            executed_krw=_sum_subquery(
                executions.filter(status=Execution.Status.APPROVED), "allocation", F("amount_krw")
            ),
            pending_krw=_sum_subquery(
                executions.filter(status=Execution.Status.PENDING), "allocation", F("amount_krw")
            ),
        )
        .order_by("line__fiscal_year", "line__code", "consortium__code", "id")
        .values_list(
            "line__code",
            "line__category",
            "consortium__code",
            "amount_krw",
            "released_krw",
            "allocated_krw",
            "executed_krw",
            "pending_krw",
            "frozen_on",
            "frozen_in_phase__code",
        )
    )
    return [FrozenAllocationRow(*row) for row in rows]


@dataclass(frozen=True, slots=True)
class SupportRow:
    consortium_id: int
    consortium_code: str
    category: str
    allocated_krw: int
    released_krw: int
    executed_krw: int


def consortium_support_by_category(*, program_id: int) -> list[SupportRow]:
    """Per consortium and category: allocated (net of releases), released and approved spending.
    Two queries."""
    allocated = (
        Allocation.objects.filter(line__program_id=program_id)
        .values("consortium_id", "consortium__code", "line__category")
        .annotate(allocated=sum_or_zero(committed_krw()), released=sum_or_zero("released_krw"))
        .order_by("consortium__code", "line__category")
    )
    executed = {
        (row["allocation__consortium_id"], row["allocation__line__category"]): row["total"]
        for row in Execution.objects.filter(
            allocation__line__program_id=program_id, status=Execution.Status.APPROVED
        )
        .values("allocation__consortium_id", "allocation__line__category")
        .annotate(total=sum_or_zero("amount_krw"))
        .order_by()
    }
    return [
        SupportRow(
            consortium_id=row["consortium_id"],
            consortium_code=row["consortium__code"],
            category=row["line__category"],
            allocated_krw=row["allocated"],
            released_krw=row["released"],
            executed_krw=executed.get((row["consortium_id"], row["line__category"]), 0),
        )
        for row in allocated
    ]


@dataclass(frozen=True, slots=True)
class GpuPeriodRow:
    consortium_id: int
    consortium_code: str
    year: int
    half: int
    gpu_model: str
    gpu_count: int
    gpu_hours: int

    @property
    def period_label(self) -> str:
        return f"{self.year}H{self.half}"


def gpu_by_team_over_time(*, program_id: int) -> list[GpuPeriodRow]:
    """GPU count and GPU-hours per team, half-year and GPU model. One query.

    An allocation counts in the half-year it starts in (the program leases GPUs by half-year); its hours
    stop at a freeze, and allocations cut before they started are left out.
    """
    rows = (
        Allocation.objects.filter(
            line__program_id=program_id,
            line__category=Category.GPU,
            gpu_count__isnull=False,
            period_end__gte=F("period_start"),
        )
        .annotate(
            year=ExtractYear("period_start"),
            half=Case(
                When(period_start__month__lte=6, then=Value(1)), default=Value(2), output_field=IntegerField()
            ),
        )
        .values("consortium_id", "consortium__code", "year", "half", "gpu_model")
        .annotate(count=sum_or_zero("gpu_count"), hours=sum_or_zero(allocation_gpu_hours()))
        .order_by("year", "half", "consortium__code", "gpu_model")
    )
    return [
        GpuPeriodRow(
            consortium_id=row["consortium_id"],
            consortium_code=row["consortium__code"],
            year=row["year"],
            half=row["half"],
            gpu_model=row["gpu_model"],
            gpu_count=row["count"],
            gpu_hours=row["hours"],
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class BurnRow:
    month: dt.date
    executed_krw: int
    pending_krw: int


def burn_rate_by_month(*, program_id: int, visible_to=None) -> list[BurnRow]:
    """Spending per calendar month of ``spent_on``: approved and still pending. One query.

    ``visible_to``: count only the spending this user may see; None counts every team's (the program-wide
    figure of the cached dashboard summary, which only staff and auditors are shown whole)."""
    qs = Execution.objects.all() if visible_to is None else Execution.objects.visible_to(visible_to)
    qs = qs.filter(allocation__line__program_id=program_id).exclude(status=Execution.Status.REJECTED)
    rows = (
        qs.annotate(month=TruncMonth("spent_on"))
        .values("month")
        .annotate(
            executed=sum_or_zero("amount_krw", filter=Q(status=Execution.Status.APPROVED)),
            pending=sum_or_zero("amount_krw", filter=Q(status=Execution.Status.PENDING)),
        )
        .order_by("month")
    )
    return [
        BurnRow(month=row["month"], executed_krw=row["executed"], pending_krw=row["pending"]) for row in rows
    ]


@dataclass(frozen=True, slots=True)
class GpuUsageRow:
    consortium_id: int
    consortium_code: str
    month: dt.date
    gpu_model: str
    gpu_hours: object  # Decimal


def gpu_usage_by_month(*, program_id: int) -> list[GpuUsageRow]:
    """Reported GPU-hours (current rows only) per team, month and model. One query."""
    rows = (
        GpuUsageEntry.objects.filter(consortium__program_id=program_id, is_current=True)
        .values("consortium_id", "consortium__code", "month", "gpu_model")
        .annotate(hours=Sum("gpu_hours", output_field=DecimalField(max_digits=16, decimal_places=2)))
        .order_by("month", "consortium__code", "gpu_model")
    )
    return [
        GpuUsageRow(
            consortium_id=row["consortium_id"],
            consortium_code=row["consortium__code"],
            month=row["month"],
            gpu_model=row["gpu_model"],
            gpu_hours=row["hours"],
        )
        for row in rows
    ]


# --- Room for a new allocation -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllocationRoom:
    line_amount_krw: int
    line_allocated_krw: int
    cap_krw: int | None
    team_allocated_krw: int

    @property
    def line_remaining_krw(self) -> int:
        return self.line_amount_krw - self.line_allocated_krw

    @property
    def team_remaining_krw(self) -> int | None:
        return None if self.cap_krw is None else self.cap_krw - self.team_allocated_krw

    @property
    def remaining_krw(self) -> int:
        """The most a new allocation may be: the lower of the two rooms (never below zero)."""
        rooms = [self.line_remaining_krw]
        if self.team_remaining_krw is not None:
            rooms.append(self.team_remaining_krw)
        return max(min(rooms), 0)


def category_cap_for(*, program_id: int, category: str, fiscal_year: int) -> CategoryCap | None:
    """The cap that applies: the one for that fiscal year, else the every-year one."""
    return (
        CategoryCap.objects.filter(program_id=program_id, category=category)
        .filter(Q(fiscal_year=fiscal_year) | Q(fiscal_year__isnull=True))
        .order_by(F("fiscal_year").desc(nulls_last=True))
        .first()
    )


def allocation_room(
    *, line: BudgetLine, consortium: Consortium, fiscal_year: int | None = None
) -> AllocationRoom:
    """Room left under the line and under the team's cap for the line's category in the fiscal year
    (default: the line's). Allocations count net of what freezes released. Two queries."""
    fiscal_year = line.fiscal_year if fiscal_year is None else fiscal_year
    same_category_year = Q(
        consortium_id=consortium.pk,
        line__program_id=line.program_id,
        line__category=line.category,
        line__fiscal_year=fiscal_year,
    )
    sums = Allocation.objects.filter(Q(line_id=line.pk) | same_category_year).aggregate(
        line_total=sum_or_zero(committed_krw(), filter=Q(line_id=line.pk)),
        team_total=sum_or_zero(committed_krw(), filter=same_category_year),
    )
    cap = category_cap_for(program_id=line.program_id, category=line.category, fiscal_year=fiscal_year)
    return AllocationRoom(
        line_amount_krw=line.amount_krw,
        line_allocated_krw=sums["line_total"],
        cap_krw=cap.per_team_amount_krw if cap else None,
        team_allocated_krw=sums["team_total"],
    )


# --- Lists scoped to the user --------------------------------------------------------------------------


def budget_line_list_visible_to(*, user, program_id: int | None = None) -> QuerySet[BudgetLine]:
    qs = BudgetLine.objects.select_related("program").order_by("fiscal_year", "code")
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    return qs if can_view_budget_lines(user) else qs.none()


def budget_line_amendment_list(*, line_id: int) -> QuerySet[BudgetLineAmendment]:
    return (
        BudgetLineAmendment.objects.filter(line_id=line_id)
        .select_related("amended_by")
        .order_by("amended_at", "id")
    )


def allocation_list_visible_to(*, user, program_id: int | None = None) -> QuerySet[Allocation]:
    """Allocations with executed_krw (approved), pending_krw and gpu_hours annotated."""
    executions = Execution.objects.filter(allocation=OuterRef("pk"))
    qs = (
        Allocation.objects.visible_to(user)
        .select_related("line", "consortium", "frozen_in_phase")
        .annotate(
            executed_krw=_sum_subquery(
                executions.filter(status=Execution.Status.APPROVED), "allocation", F("amount_krw")
            ),
            pending_krw=_sum_subquery(
                executions.filter(status=Execution.Status.PENDING), "allocation", F("amount_krw")
            ),
            gpu_hours=allocation_gpu_hours(),
        )
    )
    if program_id is not None:
        qs = qs.filter(line__program_id=program_id)
    return qs


def execution_list_visible_to(*, user, program_id: int | None = None) -> QuerySet[Execution]:
    qs = (
        Execution.objects.visible_to(user)
        .select_related("allocation__line", "allocation__consortium", "recorded_by", "decided_by")
        .order_by("-spent_on", "-id")
    )
    if program_id is not None:
        qs = qs.filter(allocation__line__program_id=program_id)
    return qs


def gpu_usage_list_visible_to(*, user, current_only: bool = True) -> QuerySet[GpuUsageEntry]:
    """Reported GPU usage rows; superseded rows too when ``current_only`` is false (history)."""
    qs = (
        GpuUsageEntry.objects.visible_to(user)
        .select_related("consortium", "report", "report__uploaded_by")
        .order_by("consortium__code", "month", "gpu_model", "-id")
    )
    if current_only:
        qs = qs.filter(is_current=True)
    return qs


def gpu_usage_report_list_visible_to(*, user) -> QuerySet[GpuUsageReport]:
    return (
        GpuUsageReport.objects.visible_to(user)
        .select_related("consortium", "uploaded_by")
        .order_by("-uploaded_at", "-id")
    )
