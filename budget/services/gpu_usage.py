"""Writes for GPU usage reports uploaded by a consortium."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.models import Allocation, Category, GpuUsageEntry, GpuUsageReport
from budget.permissions import can_upload_gpu_usage
from budget.services._checks import record_snapshot
from budget.uploads import (
    GPU_USAGE_COLUMNS,
    GPU_USAGE_MAX_ROWS,
    GpuWindow,
    gpu_usage_rows_check,
)
from common.audit import audit_record
from common.models import AuditEvent
from common.uploads import read_table
from consortia.models import Consortium


@transaction.atomic
def gpu_usage_upload(*, consortium: Consortium, file, actor) -> GpuUsageReport:
    """Store a team's GPU usage file (CSV or JSON: month, gpu_model, gpu_hours, optional notes).

    Only the team's own members may upload. The whole file is checked first (``common.uploads.read_table``
    then ``budget.uploads.gpu_usage_rows_check``); any problem raises ``UploadRejected`` listing every
    (row, column, reason) and nothing is stored. Months the file covers replace the team's earlier rows for
    those months; the earlier rows stay, marked superseded by this report.

    Side effects: writes GpuUsageReport (the file to storage, with SHA-256, uploader and time) and its
    GpuUsageEntry rows; marks superseded entries; appends an audit event.
    """
    if not can_upload_gpu_usage(actor, consortium.pk):
        raise PermissionDenied(_("Only the team's own members may upload its GPU usage."))
    table = read_table(
        file=file,
        columns=GPU_USAGE_COLUMNS,
        max_bytes=settings.KAI_UPLOAD_MAX_BYTES,
        max_rows=GPU_USAGE_MAX_ROWS,
    )
    # Serialise uploads of one team: the "one current row per month and model" rule is checked, then written.
    team = Consortium.objects.select_for_update().get(pk=consortium.pk)
    windows = [
        GpuWindow(gpu_model=model, gpu_count=count, period_start=start, period_end=end)
        for model, count, start, end in Allocation.objects.filter(
            consortium=team, line__category=Category.GPU, gpu_count__isnull=False
        ).values_list("gpu_model", "gpu_count", "period_start", "period_end")
    ]
    rows = gpu_usage_rows_check(table=table, windows=windows)
    file.seek(0)
    report = GpuUsageReport(
        consortium=team,
        filename=table.filename,
        sha256=table.sha256,
        size_bytes=table.size,
        row_count=len(rows),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    report.file.save(table.filename, ContentFile(file.read()), save=False)
    report.save()
    months = sorted({row.month for row in rows})
    superseded = GpuUsageEntry.objects.filter(consortium=team, month__in=months, is_current=True).update(
        is_current=False, superseded_by=report
    )
    GpuUsageEntry.objects.bulk_create(
        GpuUsageEntry(
            report=report,
            consortium=team,
            month=row.month,
            gpu_model=row.gpu_model,
            gpu_hours=row.gpu_hours,
            notes=row.notes,
            row_number=row.row,
        )
        for row in rows
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPLOAD,
        target=report,
        after=record_snapshot(report),
        extra={"months": [f"{m:%Y-%m}" for m in months], "rows": len(rows), "superseded_rows": superseded},
    )
    return report
