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
            ExportColumn("execution_id", "id", kind="number"),
            ExportColumn("consortium", "allocation__consortium__code"),
            ExportColumn("line", "allocation__line__code"),
            ExportColumn("category", "allocation__line__category"),
            ExportColumn("fiscal_year", "allocation__line__fiscal_year", kind="number"),
            ExportColumn("allocation_id", "allocation_id", kind="number"),
            ExportColumn("allocation_krw", "allocation__amount_krw", kind="number"),
            ExportColumn("spent_on", "spent_on", kind="date"),
            ExportColumn("amount_krw", "amount_krw", kind="number"),
            ExportColumn("description", "description"),
            ExportColumn("evidence", "evidence_name"),
            ExportColumn("evidence_sha256", "evidence_sha256"),
            ExportColumn("status", "status"),
            ExportColumn("recorded_by", "recorded_by__username"),
            ExportColumn("recorded_at", "recorded_at", kind="datetime"),
            ExportColumn("decided_by", "decided_by__username"),
            ExportColumn("decided_at", "decided_at", kind="datetime"),
            ExportColumn("decision_note", "decision_note"),
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
            ExportColumn("consortium", "consortium__code"),
            ExportColumn("month", "month", kind="date"),
            ExportColumn("gpu_model", "gpu_model"),
            ExportColumn("gpu_hours", "gpu_hours", kind="number"),
            ExportColumn("notes", "notes"),
            ExportColumn("current", "is_current", kind="bool"),
            ExportColumn("report_id", "report_id", kind="number"),
            ExportColumn("file", "report__filename"),
            ExportColumn("sha256", "report__sha256"),
            ExportColumn("uploaded_by", "report__uploaded_by__username"),
            ExportColumn("uploaded_at", "report__uploaded_at", kind="datetime"),
        ),
        queryset=lambda user: GpuUsageEntry.objects.visible_to(user).order_by(
            "consortium__code", "month", "gpu_model", "id"
        ),
        filterset_class=GpuUsageFilterSet,
        read_roles=READERS,
    )
)
