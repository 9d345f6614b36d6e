"""Admin: a read-mostly view of the ledger. Amounts, allocations and spending change only through the
services (so caps, locks and the audit trail always apply); the one admin action calls a service."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from budget.models import (
    Allocation,
    BudgetLine,
    BudgetLineAmendment,
    CategoryCap,
    Execution,
    GpuNote,
    GpuUsageEntry,
    GpuUsageReport,
    ReferenceFigure,
)
from budget.services import execution_approve
from common.admin import ReadOnlyAdmin, ReadOnlyInlineMixin


class AmendmentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = BudgetLineAmendment
    fields = ("amended_at", "amended_by", "old_amount_krw", "new_amount_krw", "reason")


@admin.register(BudgetLine)
class BudgetLineAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "fiscal_year", "category", "amount_krw", "is_illustrative")
    list_filter = ("program", "fiscal_year", "category")
    search_fields = ("code", "name")
    inlines = [AmendmentInline]


@admin.register(CategoryCap)
class CategoryCapAdmin(ReadOnlyAdmin):
    list_display = ("category", "fiscal_year", "per_team_amount_krw", "program")
    list_filter = ("program", "category")


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "amount_krw", "is_illustrative")
    search_fields = ("code", "name")


@admin.register(GpuNote)
class GpuNoteAdmin(ReadOnlyAdmin):
    list_display = ("period_label", "consortium", "note")
    list_filter = ("period_label",)


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdmin):
    list_display = (
        "line",
        "consortium",
        "period_start",
        "period_end",
        "gpu_model",
        "gpu_count",
        "amount_krw",
        "released_krw",
        "status",
        "is_illustrative",
    )
    list_filter = ("status", "line__category", "consortium")
    list_select_related = ("line", "consortium")
    search_fields = ("line__code", "consortium__code", "load_key")


@admin.register(Execution)
class ExecutionAdmin(ReadOnlyAdmin):
    list_display = ("allocation", "spent_on", "amount_krw", "status", "recorded_by", "decided_by")
    list_filter = ("status",)
    list_select_related = ("allocation__line", "allocation__consortium", "recorded_by", "decided_by")
    actions = ["approve_selected"]

    @admin.action(description=_("Approve the selected spending"))
    def approve_selected(self, request, queryset):
        approved = 0
        for execution in queryset.order_by("pk"):
            try:
                execution_approve(execution=execution, actor=request.user)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(
                    request,
                    f"#{execution.pk}: {' '.join(getattr(exc, 'messages', [str(exc)]))}",
                    messages.ERROR,
                )
            else:
                approved += 1
        if approved:
            self.message_user(request, _("%(count)s approved.") % {"count": approved}, messages.SUCCESS)


class UsageEntryInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = GpuUsageEntry
    fk_name = "report"
    fields = ("month", "gpu_model", "gpu_hours", "notes", "is_current", "superseded_by")


@admin.register(GpuUsageReport)
class GpuUsageReportAdmin(ReadOnlyAdmin):
    list_display = ("consortium", "filename", "row_count", "uploaded_by", "uploaded_at", "sha256")
    list_filter = ("consortium",)
    inlines = [UsageEntryInline]
