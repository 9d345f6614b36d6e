"""Auditor exports of evaluation data: every uploaded result row, every criterion score, and a phase's
standings table."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.exports import ExportColumn, ExportRows, ExportSpec, export_register
from common.roles import READERS
from consortia.models import Consortium
from evaluations.filters import CriterionScoreFilterSet, ResultRowFilterSet
from evaluations.models import CriterionScore, ResultRow, RubricComponent, RubricGate
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


# The standings export: these columns, with one column per rubric component (its points, named by its
# key) after "name" and one per gate (pass, fail or missing) at the end, so the fixed columns keep their
# places for a given rubric.
_STANDINGS_LEAD = ("phase", "rank", "consortium", "name")
_STANDINGS_TAIL = (
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


def _standings_columns(component_keys: list[str], gate_keys: list[str]) -> tuple[ExportColumn, ...]:
    fixed = {*_STANDINGS_LEAD, *_STANDINGS_TAIL}
    # A component key that is also a fixed column's name is prefixed, so no two columns share a header.
    components = [key if key not in fixed else f"component:{key}" for key in component_keys]
    gates = [f"gate:{key}" for key in gate_keys]
    return tuple(
        ExportColumn(header, header) for header in (*_STANDINGS_LEAD, *components, *_STANDINGS_TAIL, *gates)
    )


def _gate_text(passed: bool | None) -> str:
    return "missing" if passed is None else ("pass" if passed else "fail")


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _standings_rows(user, params) -> ExportRows:
    """The latest standings table of one phase (``?phase=P1``), one row per team, as the API shows it."""
    code = params.get("phase")
    if not code:
        raise ValidationError({"phase": [_("Give the phase code, e.g. ?phase=P1.")]})
    snapshot = standings_tables_visible_to(user=user).filter(phase__code=code).first()
    if snapshot is None:
        raise ValidationError({"phase": [_("No standings for phase %(code)s.") % {"code": code}]})
    phase = snapshot.phase
    component_keys = list(
        RubricComponent.objects.filter(phase=phase).order_by("order", "key").values_list("key", flat=True)
    )
    gate_keys = list(RubricGate.objects.filter(phase=phase).order_by("key").values_list("key", flat=True))
    table = snapshot.rows()
    teams = {c.pk: c for c in Consortium.objects.filter(pk__in=[row.consortium_id for row in table])}
    rows = []
    for row in sorted(table, key=lambda r: (r.rank is None, r.rank or 0, r.label)):
        team = teams.get(row.consortium_id)
        points = row.points_by_component
        passed = row.passed_by_gate
        rows.append(
            (
                phase.code,
                row.rank,
                team.code if team else row.label,
                team.name if team else "",
                *(_text(points.get(key)) for key in component_keys),
                ";".join(f"{key}={_text(value)}" for key, value in points.items()),
                _text(row.total),
                _text(row.frontier_ratio),
                None
                if row.meets_frontier_threshold is None
                else ("true" if row.meets_frontier_threshold else "false"),
                ";".join(f"{g.key}={_gate_text(g.passed)}" for g in row.gates),
                row.outcome.value,
                snapshot.pk,
                snapshot.generation,
                "true" if snapshot.is_official else "false",
                snapshot.computed_at.isoformat(timespec="microseconds"),
                *(_gate_text(passed.get(key)) for key in gate_keys),
            )
        )
    return ExportRows(_standings_columns(component_keys, gate_keys), len(rows), iter(rows))


export_register(
    ExportSpec(
        name="standings",
        title=_("Standings (latest table of a phase)"),
        # Without the rubric's columns, which each phase adds (_standings_columns).
        columns=_standings_columns([], []),
        row_source=_standings_rows,
        read_roles=READERS,
    )
)
