"""Government support: budget lines, their amendments, per-team caps, allocations to consortia, spending
against allocations, and GPU usage reported by the teams. Money is KRW in whole won (integers, never floats).

Rows change only through ``budget.services``; the invariants that do not need other tables are also
database constraints, so they hold for the admin, the shell and every interface alike.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from consortia.models import Consortium, Program, SourcedMixin
from consortia.scoping import TeamScope, TeamScopedQuerySet


class Category(models.TextChoices):
    GPU = "gpu", _("GPU")
    DATA_PURCHASE = "data_purchase", _("Data purchase")
    DATA_PROCESSING = "data_processing", _("Data processing")
    TALENT_MATCHING = "talent_matching", _("Talent matching")
    BROADCAST_DATA = "broadcast_data", _("Broadcast data")
    OPERATIONS = "operations", _("Operations")


def _stored_name(prefix: str, filename: str) -> str:
    # The stored name never comes from the user (no traversal, no clashes); the display name is kept apart.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"{prefix}/{uuid.uuid4().hex}{suffix}"


def execution_evidence_path(instance, filename: str) -> str:
    return _stored_name("budget/evidence", filename)


def gpu_usage_file_path(instance, filename: str) -> str:
    return _stored_name("budget/gpu-usage", filename)


class BudgetLine(SourcedMixin):
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="budget_lines", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    # Whole won: KRW has no minor unit, and integers keep sums exact.
    amount_krw = models.BigIntegerField(_("amount (KRW)"))

    class Meta:
        ordering = ("program", "fiscal_year", "code")
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "code"),
                name="budget_line_unique_code_per_program",
                violation_error_message=_("A budget line with this code already exists in the program."),
            ),
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0),
                name="budget_line_amount_positive",
                violation_error_message=_("A budget line amount must be a positive number of won."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.fiscal_year})"


class BudgetLineAmendment(models.Model):
    """A change of a line's amount, kept as its own record (who, when, why, from what to what)."""

    line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="amendments", verbose_name=_("budget line")
    )
    old_amount_krw = models.BigIntegerField(_("old amount (KRW)"))
    new_amount_krw = models.BigIntegerField(_("new amount (KRW)"))
    reason = models.TextField(_("reason"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("amended by")
    )
    amended_at = models.DateTimeField(_("amended at"))

    class Meta:
        ordering = ("line_id", "amended_at", "id")
        verbose_name = _("budget line amendment")
        verbose_name_plural = _("budget line amendments")
        constraints = [
            models.CheckConstraint(
                condition=Q(old_amount_krw__gt=0) & Q(new_amount_krw__gt=0),
                name="budget_amendment_amounts_positive",
                violation_error_message=_("Amended amounts must be positive numbers of won."),
            ),
            models.CheckConstraint(
                condition=~Q(old_amount_krw=F("new_amount_krw")),
                name="budget_amendment_changes_amount",
                violation_error_message=_("An amendment must change the amount."),
            ),
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="budget_amendment_reason_required",
                violation_error_message=_("An amendment needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line.code}: {self.old_amount_krw} → {self.new_amount_krw}"


class CategoryCap(SourcedMixin):
    """The most one team may hold in a category in a fiscal year (summed over the lines of that category).

    A cap for a specific fiscal year overrides the every-year cap (fiscal_year empty) of the same category.
    """

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="category_caps", verbose_name=_("program")
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year"), null=True, blank=True, help_text=_("Empty: the cap applies to every fiscal year.")
    )
    per_team_amount_krw = models.BigIntegerField(_("per-team cap (KRW)"))

    class Meta:
        ordering = ("program_id", "category", "fiscal_year")
        verbose_name = _("per-team category cap")
        verbose_name_plural = _("per-team category caps")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "category", "fiscal_year"),
                condition=Q(fiscal_year__isnull=False),
                name="category_cap_unique_per_year",
                violation_error_message=_("This category already has a cap for that fiscal year."),
            ),
            models.UniqueConstraint(
                fields=("program", "category"),
                condition=Q(fiscal_year__isnull=True),
                name="category_cap_unique_every_year",
                violation_error_message=_("This category already has an every-year cap."),
            ),
            models.CheckConstraint(
                condition=Q(per_team_amount_krw__gt=0),
                name="category_cap_amount_positive",
                violation_error_message=_("A cap must be a positive number of won."),
            ),
        ]

    def __str__(self) -> str:
        year = self.fiscal_year or _("every year")
        return f"{self.get_category_display()} ({year}): {self.per_team_amount_krw}"


class ReferenceFigure(SourcedMixin):
    """A published total or frame shown for context (e.g. the 5-year AI budget); never allocated."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="reference_figures", verbose_name=_("program")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    amount_krw = models.BigIntegerField(_("amount (KRW)"))

    class Meta:
        ordering = ("program_id", "code")
        verbose_name = _("reference figure")
        verbose_name_plural = _("reference figures")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "code"),
                name="reference_figure_unique_code",
                violation_error_message=_("A reference figure with this code already exists in the program."),
            ),
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0),
                name="reference_figure_amount_positive",
                violation_error_message=_("A reference figure must be a positive number of won."),
            ),
        ]

    def __str__(self) -> str:
        return self.code


class GpuNote(SourcedMixin):
    """A remark on a team's GPU situation in a period that is not an allocation (e.g. a GPU lessor that
    uses its own cluster). No consortium means the note concerns the whole program."""

    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="gpu_notes", verbose_name=_("program")
    )
    period_label = models.CharField(_("period"), max_length=10)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    consortium = models.ForeignKey(
        Consortium,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gpu_notes",
        verbose_name=_("consortium"),
    )
    note = models.TextField(_("note"))

    class Meta:
        ordering = ("program_id", "period_start", "id")
        verbose_name = _("GPU note")
        verbose_name_plural = _("GPU notes")
        constraints = [
            models.UniqueConstraint(
                fields=("program", "period_label", "consortium"),
                condition=Q(consortium__isnull=False),
                name="gpu_note_unique_team_period",
                violation_error_message=_("This team already has a GPU note for that period."),
            ),
            models.UniqueConstraint(
                fields=("program", "period_label"),
                condition=Q(consortium__isnull=True),
                name="gpu_note_unique_program_period",
                violation_error_message=_("The program already has a GPU note for that period."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="gpu_note_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.period_label} · {self.consortium or '*'}"


class Allocation(SourcedMixin):
    """Part of a budget line given to one consortium for a period.

    ``period_end`` is the day support actually ends: a freeze on elimination moves it back (for GPU lines)
    and ``planned_period_end`` keeps the original. An allocation cut before it started has
    ``period_end`` = ``period_start`` − 1 day, i.e. zero days. What the team may still spend is
    ``amount_krw − released_krw``.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")

    line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("budget line")
    )
    consortium = models.ForeignKey(
        Consortium, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("consortium")
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    planned_period_end = models.DateField(_("planned period end"))
    amount_krw = models.BigIntegerField(_("amount (KRW)"))
    gpu_model = models.CharField(_("GPU model"), max_length=40, blank=True)
    gpu_count = models.PositiveIntegerField(_("GPU count"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    frozen_on = models.DateField(_("frozen on"), null=True, blank=True)
    frozen_in_phase = models.ForeignKey(
        "evaluations.Phase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="frozen_allocations",
        verbose_name=_("frozen by phase"),
    )
    released_krw = models.BigIntegerField(_("released back to the line (KRW)"), default=0)
    # Natural key of rows that come from the program file (e.g. "2026H1:LG:B200"); blank for portal entries.
    load_key = models.CharField(_("program file key"), max_length=80, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium")

    class Meta:
        ordering = ("line_id", "period_start", "id")
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        indexes = [models.Index(fields=("consortium", "status"), name="budget_alloc_team_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0),
                name="allocation_amount_positive",
                violation_error_message=_("An allocation must be a positive number of won."),
            ),
            models.CheckConstraint(
                condition=Q(released_krw__gte=0) & Q(released_krw__lte=F("amount_krw")),
                name="allocation_released_within_amount",
                violation_error_message=_("The released amount must be between zero and the allocation."),
            ),
            models.CheckConstraint(
                condition=Q(planned_period_end__gte=F("period_start")),
                name="allocation_period_order",
                violation_error_message=_("A period cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__lte=F("planned_period_end"))
                & (Q(period_end__gte=F("period_start")) | Q(status="frozen")),
                name="allocation_actual_end_within_plan",
                violation_error_message=_("Support can only end early through a freeze."),
            ),
            models.CheckConstraint(
                condition=Q(status="active", frozen_on__isnull=True)
                | Q(status="frozen", frozen_on__isnull=False),
                name="allocation_frozen_on_matches_status",
                violation_error_message=_("A frozen allocation has a freeze date; an active one has none."),
            ),
            models.CheckConstraint(
                # gpu_count__isnull=False matters: a CHECK passes when its condition is NULL.
                condition=Q(gpu_model="", gpu_count__isnull=True)
                | (~Q(gpu_model="") & Q(gpu_count__isnull=False, gpu_count__gt=0)),
                name="allocation_gpu_fields_together",
                violation_error_message=_("A GPU model and a positive GPU count go together."),
            ),
            models.UniqueConstraint(
                fields=("line", "load_key"),
                condition=~Q(load_key=""),
                name="allocation_unique_load_key",
                violation_error_message=_(
                    "The program file already has an allocation with this key on the line."
                ),
            ),
        ]

    def __str__(self) -> str:
        gpu = f" {self.gpu_count}×{self.gpu_model}" if self.gpu_model else ""
        return f"{self.line.code} → {self.consortium.code}{gpu} ({self.period_start}–{self.period_end})"

    @property
    def is_frozen(self) -> bool:
        return self.status == self.Status.FROZEN

    @property
    def available_krw(self) -> int:
        """What may be spent in total (executions included): the allocation minus what was released."""
        return self.amount_krw - self.released_krw


class Execution(models.Model):
    """Money spent against an allocation, with evidence; ministry staff approve or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    allocation = models.ForeignKey(
        Allocation, on_delete=models.PROTECT, related_name="executions", verbose_name=_("allocation")
    )
    spent_on = models.DateField(_("spent on"))
    amount_krw = models.BigIntegerField(_("amount (KRW)"))
    description = models.CharField(_("description"), max_length=500)
    evidence = models.FileField(_("evidence"), upload_to=execution_evidence_path, blank=True, max_length=200)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    evidence_sha256 = models.CharField(_("evidence SHA-256"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    recorded_at = models.DateTimeField(_("recorded at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved or rejected by"),
    )
    decided_at = models.DateTimeField(_("approved or rejected at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="allocation__consortium")

    class Meta:
        ordering = ("allocation_id", "spent_on", "id")
        verbose_name = _("execution")
        verbose_name_plural = _("executions")
        indexes = [models.Index(fields=("allocation", "status"), name="budget_exec_alloc_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_krw__gt=0),
                name="execution_amount_positive",
                violation_error_message=_("An execution must be a positive number of won."),
            ),
            models.CheckConstraint(
                condition=Q(status="pending", decided_at__isnull=True)
                | (~Q(status="pending") & Q(decided_at__isnull=False)),
                name="execution_decision_matches_status",
                violation_error_message=_("Only an approved or rejected execution has a decision time."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allocation_id}: {self.spent_on} {self.amount_krw}"


class GpuUsageReport(models.Model):
    """One uploaded GPU usage file of a consortium; its rows are ``GpuUsageEntry``."""

    consortium = models.ForeignKey(
        Consortium, on_delete=models.PROTECT, related_name="gpu_usage_reports", verbose_name=_("consortium")
    )
    file = models.FileField(_("file"), upload_to=gpu_usage_file_path, max_length=200)
    filename = models.CharField(_("file name"), max_length=200)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveIntegerField(_("size (bytes)"))
    row_count = models.PositiveIntegerField(_("rows"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium")

    class Meta:
        ordering = ("-uploaded_at", "-id")
        verbose_name = _("GPU usage report")
        verbose_name_plural = _("GPU usage reports")

    def __str__(self) -> str:
        return f"{self.consortium.code}: {self.filename}"


class GpuUsageEntry(models.Model):
    """GPU-hours a team used in one month on one GPU model. A later upload covering the same month
    supersedes the earlier rows (kept for history, ``is_current`` false)."""

    report = models.ForeignKey(
        GpuUsageReport, on_delete=models.PROTECT, related_name="entries", verbose_name=_("report")
    )
    consortium = models.ForeignKey(
        Consortium, on_delete=models.PROTECT, related_name="gpu_usage_entries", verbose_name=_("consortium")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    gpu_model = models.CharField(_("GPU model"), max_length=40)
    gpu_hours = models.DecimalField(_("GPU-hours"), max_digits=14, decimal_places=2)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    row_number = models.PositiveIntegerField(_("row in file"))
    is_current = models.BooleanField(_("current"), default=True)
    superseded_by = models.ForeignKey(
        GpuUsageReport,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_entries",
        verbose_name=_("superseded by"),
    )

    objects = TeamScopedQuerySet.as_manager()
    team_scope = TeamScope(team="consortium")

    class Meta:
        ordering = ("consortium_id", "month", "gpu_model", "-id")
        verbose_name = _("GPU usage entry")
        verbose_name_plural = _("GPU usage entries")
        constraints = [
            models.UniqueConstraint(
                fields=("consortium", "month", "gpu_model"),
                condition=Q(is_current=True),
                name="gpu_usage_one_current_row",
                violation_error_message=_(
                    "This team already has current GPU usage for that month and model."
                ),
            ),
            models.CheckConstraint(
                condition=Q(gpu_hours__gte=0),
                name="gpu_usage_hours_not_negative",
                violation_error_message=_("GPU-hours cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(is_current=True, superseded_by__isnull=True)
                | Q(is_current=False, superseded_by__isnull=False),
                name="gpu_usage_superseded_matches_current",
                violation_error_message=_("Only a superseded row names the upload that replaced it."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consortium_id} {self.month:%Y-%m} {self.gpu_model}: {self.gpu_hours}"
