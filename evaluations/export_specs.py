"""Auditor exports of evaluation data: every uploaded result row, and every criterion score."""

from django.utils.translation import gettext_lazy as _

from common.api.permissions import READERS
from common.exports import ExportColumn, ExportSpec, export_register
from evaluations.filters import CriterionScoreFilterSet, ResultRowFilterSet
from evaluations.models import CriterionScore, ResultRow

export_register(
    ExportSpec(
        name="results",
        title=_("Benchmark results"),
        columns=(
            ExportColumn("phase", "upload__phase__code"),
            ExportColumn("consortium", "upload__consortium__code"),
            ExportColumn("benchmark", "benchmark__code"),
            ExportColumn("score", "score", kind="number"),
            ExportColumn("model_version", "model_version"),
            ExportColumn("notes", "notes"),
            ExportColumn("source_row", "source_row", kind="number"),
            ExportColumn("upload_id", "upload_id", kind="number"),
            ExportColumn("file", "upload__display_name"),
            ExportColumn("sha256", "upload__sha256"),
            ExportColumn("uploaded_at", "upload__uploaded_at", kind="datetime"),
            ExportColumn("uploaded_by", "upload__uploaded_by__username"),
            ExportColumn("current", "upload__is_current", kind="bool"),
        ),
        queryset=lambda user: ResultRow.objects.order_by("id"),
        filterset_class=ResultRowFilterSet,
        read_roles=READERS,
    )
)


export_register(
    ExportSpec(
        name="evaluation-detail",
        title=_("Evaluation detail (criterion scores)"),
        columns=(
            ExportColumn("phase", "sheet__assignment__phase__code"),
            ExportColumn("consortium", "sheet__assignment__consortium__code"),
            ExportColumn("evaluator", "sheet__assignment__evaluator__username"),
            ExportColumn("sheet_status", "sheet__status"),
            ExportColumn("sheet_version", "sheet__version", kind="number"),
            ExportColumn("submitted_at", "sheet__submitted_at", kind="datetime"),
            ExportColumn("component", "criterion__component__key"),
            ExportColumn("criterion", "criterion__key"),
            ExportColumn("max_points", "criterion__max_points", kind="number"),
            ExportColumn("points", "points", kind="number"),
            ExportColumn("comment", "comment"),
        ),
        queryset=lambda user: CriterionScore.objects.order_by("id"),
        filterset_class=CriterionScoreFilterSet,
        read_roles=READERS,
    )
)
