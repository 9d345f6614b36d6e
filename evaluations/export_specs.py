"""Auditor exports of evaluation data: every uploaded result row, and every criterion score."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.exports import ExportColumn, ExportSpec, export_register
from common.roles import READERS
from consortia.models import Consortium
from evaluations.filters import CriterionScoreFilterSet, ResultRowFilterSet
from evaluations.models import CriterionScore, ResultRow
from evaluations.selectors import standings_tables_visible_to

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
        queryset=lambda user: ResultRow.objects.visible_to(user).order_by("id"),
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
        queryset=lambda user: CriterionScore.objects.visible_to(user).order_by("id"),
        filterset_class=CriterionScoreFilterSet,
        read_roles=READERS,
    )
)


def _standings_rows(user, params):
    """The latest standings table of one phase (``?phase=P1``), one row per team, as the API shows it."""
    code = params.get("phase")
    if not code:
        raise ValidationError({"phase": [_("Give the phase code, e.g. ?phase=P1.")]})
    snapshot = standings_tables_visible_to(user=user).filter(phase__code=code).first()
    if snapshot is None:
        raise ValidationError({"phase": [_("No standings for phase %(code)s.") % {"code": code}]})
    teams = {c.pk: c for c in Consortium.objects.filter(pk__in=[r["consortium_id"] for r in snapshot.table])}
    rows = []
    for row in sorted(snapshot.table, key=lambda r: (r["rank"] is None, r["rank"] or 0, r["label"])):
        team = teams.get(row["consortium_id"])
        components = {c["key"]: c["points"] for c in row["components"]}
        rows.append(
            (
                snapshot.phase.code,
                row["rank"],
                team.code if team else row["label"],
                team.name if team else "",
                components.get("benchmark"),
                components.get("expert"),
                components.get("user"),
                ";".join(f"{k}={v}" for k, v in components.items()),
                row["total"],
                row["frontier_ratio"],
                None
                if row["meets_frontier_threshold"] is None
                else ("true" if row["meets_frontier_threshold"] else "false"),
                ";".join(
                    f"{g['key']}={'pass' if g['passed'] else ('fail' if g['passed'] is False else 'missing')}"
                    for g in row["gates"]
                ),
                row["outcome"],
                snapshot.pk,
                snapshot.generation,
                "true" if snapshot.is_official else "false",
                snapshot.computed_at.isoformat(timespec="microseconds"),
            )
        )
    return len(rows), iter(rows)


export_register(
    ExportSpec(
        name="standings",
        title=_("Standings (latest table of a phase)"),
        columns=tuple(
            ExportColumn(h, h)
            for h in (
                "phase",
                "rank",
                "consortium",
                "name",
                "benchmark",
                "expert",
                "user",
                "components",
                "total",
                "frontier_ratio",
                "meets_frontier_threshold",
                "gates",
                "outcome",
                "snapshot_id",
                "generation",
                "is_official",
                "computed_at",
            )
        ),
        row_source=_standings_rows,
        read_roles=READERS,
    )
)
