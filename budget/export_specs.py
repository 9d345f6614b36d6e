"""Auditor exports of budget data: every execution (spending) and every reported GPU-usage row."""

from django.utils.translation import gettext_lazy as _

from budget.filters import ExecutionFilterSet, GpuUsageFilterSet
from budget.models import Execution, GpuUsageEntry
from common.exports import ExportColumn, ExportSpec, export_register
from common.roles import READERS

export_register(
    ExportSpec(
        name="budget-execution",
        title=_("Budget execution"),
        columns=(
            ExportColumn("execution_id", "id", kind="int", label=_("Execution id")),
            ExportColumn("consortium", "allocation__consortium__code", label=_("Consortium")),
            ExportColumn("line", "allocation__line__code", label=_("Budget line")),
            ExportColumn("category", "allocation__line__category", label=_("Category")),
            ExportColumn("fiscal_year", "allocation__line__fiscal_year", kind="int", label=_("Fiscal year")),
            ExportColumn("allocation_id", "allocation_id", kind="int", label=_("Allocation id")),
            ExportColumn(
                "allocation_krw", "allocation__amount_krw", kind="money", label=_("Allocation (KRW)")
            ),
            ExportColumn("spent_on", "spent_on", kind="date", label=_("Spent on")),
            ExportColumn("amount_krw", "amount_krw", kind="money", label=_("Amount (KRW)")),
            ExportColumn("description", "description", label=_("Description")),
            ExportColumn("evidence", "evidence_name", label=_("Evidence")),
            ExportColumn("evidence_sha256", "evidence_sha256", label=_("Evidence SHA-256")),
            ExportColumn("status", "status", label=_("Status")),
            ExportColumn("recorded_by", "recorded_by__username", label=_("Recorded by")),
            ExportColumn("recorded_at", "recorded_at", kind="datetime", label=_("recorded at")),
            ExportColumn("decided_by", "decided_by__username", label=_("decided by")),
            ExportColumn("decided_at", "decided_at", kind="datetime", label=_("decided at")),
            ExportColumn("decision_note", "decision_note", label=_("decision note")),
        ),
        queryset=lambda user: Execution.objects.visible_to(user).order_by("spent_on", "id"),
        filterset_class=ExecutionFilterSet,
        read_roles=READERS,
    )
)

export_register(
    ExportSpec(
        name="gpu-usage",
        title=_("GPU usage"),
        columns=(
            ExportColumn("consortium", "consortium__code", label=_("Consortium")),
            ExportColumn("month", "month", kind="date", label=_("Month")),
            ExportColumn("gpu_model", "gpu_model", label=_("GPU model")),
            ExportColumn("gpu_hours", "gpu_hours", kind="number", label=_("GPU hours")),
            ExportColumn("notes", "notes", label=_("notes")),
            ExportColumn("current", "is_current", kind="bool", label=_("Current")),
            ExportColumn("report_id", "report_id", kind="int", label=_("Report id")),
            ExportColumn("file", "report__filename", label=_("file name")),
            ExportColumn("sha256", "report__sha256", label=_("SHA-256")),
            ExportColumn("uploaded_by", "report__uploaded_by__username", label=_("Uploaded by")),
            ExportColumn("uploaded_at", "report__uploaded_at", kind="datetime", label=_("uploaded at")),
        ),
        queryset=lambda user: GpuUsageEntry.objects.visible_to(user).order_by(
            "consortium__code", "month", "gpu_model", "id"
        ),
        filterset_class=GpuUsageFilterSet,
        read_roles=READERS,
    )
)
