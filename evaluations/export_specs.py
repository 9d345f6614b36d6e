"""Auditor exports of evaluation data: every uploaded result row, every criterion score, and a phase's
standings table."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import CharField, IntegerField, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from common.exports import (
    ExportAppendix,
    ExportColumn,
    ExportParam,
    ExportRows,
    ExportSpec,
    export_register,
)
from common.roles import READERS
from consortia.models import Consortium
from evaluations.filters import (
    CriterionScoreFilterSet,
    GateResultFilterSet,
    PanelResultDetailFilterSet,
    ResultRowFilterSet,
)
from evaluations.models import (
    CriterionScore,
    GateResult,
    PanelResult,
    ResultRow,
    RubricComponent,
    RubricGate,
    StandingsSnapshot,
)
from evaluations.selectors import standings_tables_visible_to

export_register(
    ExportSpec(
        name="results",
        title=_("Benchmark results"),
        columns=(
            ExportColumn("phase", "upload__phase__code", label=_("Phase")),
            ExportColumn("consortium", "upload__consortium__code", label=_("Consortium")),
            ExportColumn("benchmark", "benchmark__code", label=_("benchmark")),
            ExportColumn("score", "score", kind="number", label=_("score")),
            ExportColumn("model_version", "model_version", label=_("model version")),
            ExportColumn("notes", "notes", label=_("notes")),
            ExportColumn("source_row", "source_row", kind="int", label=_("row in file")),
            ExportColumn("upload_id", "upload_id", kind="int", label=_("Upload id")),
            ExportColumn("file", "upload__display_name", label=_("file name")),
            ExportColumn("sha256", "upload__sha256", label=_("SHA-256")),
            ExportColumn("uploaded_at", "upload__uploaded_at", kind="datetime", label=_("uploaded at")),
            ExportColumn("uploaded_by", "upload__uploaded_by__username", label=_("Uploaded by")),
            ExportColumn("current", "upload__is_current", kind="bool", label=_("Current")),
        ),
        queryset=lambda user: ResultRow.objects.visible_to(user).order_by("id"),
        filterset_class=ResultRowFilterSet,
        read_roles=READERS,
    )
)


# Where a row's points come from: an evaluator's score sheet, or a figure staff entered for a panel or
# from a published result (PanelResult; the phases loaded from the program file have only these).
SCORE_SHEET = "score_sheet"
PANEL_RESULT = "panel_result"


def _nothing(field):
    return Value(None, output_field=field)


export_register(
    ExportSpec(
        name="evaluation-detail",
        title=_("Evaluation detail (criterion scores)"),
        columns=(
            ExportColumn("phase", "sheet__assignment__phase__code", label=_("Phase")),
            ExportColumn("consortium", "sheet__assignment__consortium__code", label=_("Consortium")),
            ExportColumn("evaluator", "sheet__assignment__evaluator__username", label=_("Evaluator")),
            ExportColumn("sheet_status", "sheet__status", label=_("Sheet status")),
            ExportColumn("sheet_version", "sheet__version", kind="int", label=_("Sheet version")),
            ExportColumn("submitted_at", "sheet__submitted_at", kind="datetime", label=_("submitted at")),
            ExportColumn("component", "criterion__component__key", label=_("Component")),
            ExportColumn("criterion", "criterion__key", label=_("Criterion")),
            ExportColumn("max_points", "criterion__max_points", kind="points", label=_("maximum points")),
            ExportColumn("points", "points", kind="points", label=_("Points")),
            ExportColumn("comment", "comment", label=_("Comment")),
            ExportColumn(
                "source", Value(SCORE_SHEET, output_field=CharField()), label=_("Source of the points")
            ),
            ExportColumn("panel_size", _nothing(IntegerField()), kind="int", label=_("panel size")),
        ),
        queryset=lambda user: CriterionScore.objects.visible_to(user).order_by("id"),
        filterset_class=CriterionScoreFilterSet,
        # The staff-entered figures: no evaluator or sheet; submitted_at is when the figure was entered,
        # and a figure for a whole component has no criterion and the component's maximum.
        appendix=ExportAppendix(
            queryset=lambda user: PanelResult.objects.visible_to(user).order_by("id"),
            filterset_class=PanelResultDetailFilterSet,
            sources=(
                "phase__code",
                "consortium__code",
                _nothing(CharField()),
                _nothing(CharField()),
                _nothing(IntegerField()),
                "entered_at",
                "component__key",
                "criterion__key",
                Coalesce("criterion__max_points", "component__max_points"),
                "points",
                "note",
                Value(PANEL_RESULT, output_field=CharField()),
                "panel_size",
            ),
        ),
        read_roles=READERS,
    )
)


export_register(
    ExportSpec(
        name="gate-decisions",
        title=_("Gate decisions"),
        columns=(
            ExportColumn("phase", "gate__phase__code", label=_("Phase")),
            ExportColumn("consortium", "consortium__code", label=_("Consortium")),
            ExportColumn("gate", "gate__key", label=_("gate")),
            ExportColumn("passed", "passed", kind="bool", label=_("passed")),
            ExportColumn("reason", "reason", label=_("written reason")),
            ExportColumn("evidence", "evidence", label=_("evidence")),
            ExportColumn("decided_by", "decided_by__username", label=_("decided by")),
            ExportColumn("decided_at", "decided_at", kind="datetime", label=_("decided at")),
            ExportColumn("is_illustrative", "is_illustrative", kind="bool", label=_("illustrative")),
            ExportColumn("source_note", "source_note", label=_("source / note")),
        ),
        queryset=lambda user: GateResult.objects.visible_to(user).order_by("id"),
        filterset_class=GateResultFilterSet,
        read_roles=READERS,
    )
)


# The standings export: these columns, with one column per rubric component (its points, named by its
# key, labelled with its name) after "name" and one per gate (pass, fail or missing) at the end, so the fixed
# columns keep their places for a given rubric and a phase with several gates needs no splitting.
_STANDINGS_LEAD = (
    ExportColumn("phase", "phase", label=_("Phase")),
    ExportColumn("rank", "rank", kind="int", label=_("Rank")),
    ExportColumn("consortium", "consortium", label=_("Consortium")),
    ExportColumn("name", "name", label=_("Name")),
)
_STANDINGS_TAIL = (
    ExportColumn("total", "total", kind="points", label=_("Total")),
    ExportColumn("frontier_ratio", "frontier_ratio", kind="number", label=_("Frontier ratio")),
    ExportColumn(
        "meets_frontier_threshold",
        "meets_frontier_threshold",
        kind="bool",
        label=_("Meets frontier threshold"),
    ),
    ExportColumn("outcome", "outcome", label=_("Outcome")),
    ExportColumn("snapshot_id", "snapshot_id", kind="int", label=_("Snapshot id")),
    ExportColumn("generation", "generation", kind="int", label=_("inputs generation")),
    ExportColumn("is_official", "is_official", kind="bool", label=_("Official")),
    ExportColumn("computed_at", "computed_at", kind="datetime", label=_("computed at")),
    ExportColumn("inputs_hash", "inputs_hash", label=_("inputs hash")),
)


def _standings_columns(
    components: list[tuple[str, str]], gates: list[tuple[str, str]]
) -> tuple[ExportColumn, ...]:
    """The columns for a rubric given as (key, name) pairs of its components and of its gates."""
    fixed = {c.header for c in (*_STANDINGS_LEAD, *_STANDINGS_TAIL)}
    # A component key that is also a fixed column's name is prefixed, so no two columns share a header.
    point_columns = [
        ExportColumn(key if key not in fixed else f"component:{key}", key, kind="points", label=name)
        for key, name in components
    ]
    gate_columns = [ExportColumn(f"gate:{key}", key, label=name) for key, name in gates]
    return (*_STANDINGS_LEAD, *point_columns, *_STANDINGS_TAIL, *gate_columns)


def _gate_text(passed: bool | None) -> str:
    return "missing" if passed is None else ("pass" if passed else "fail")


STANDINGS_PHASE = ExportParam("phase", "the phase code, e.g. P1 (required)", required=True)


def _standings_rows(user, params) -> ExportRows:
    """The latest standings table of one phase (``?phase=P1``), one row per team, as the API shows it."""
    code = params.get("phase")
    if not code:
        raise ValidationError({"phase": [_("Give the phase code, e.g. ?phase=P1.")]})
    snapshot = standings_tables_visible_to(user=user).filter(phase__code=code).first()
    if snapshot is None:
        raise ValidationError({"phase": [_("No standings for phase %(code)s.") % {"code": code}]})
    return standings_export_rows(snapshot)


def standings_export_rows(snapshot: StandingsSnapshot) -> ExportRows:
    """One snapshot's table as the standings export writes it, with its phase's rubric columns."""
    phase = snapshot.phase
    components = list(
        RubricComponent.objects.filter(phase=phase).order_by("order", "key").values_list("key", "name")
    )
    gates = list(RubricGate.objects.filter(phase=phase).order_by("key").values_list("key", "name"))
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
                team.name if team else None,
                *(points.get(key) for key, _name in components),
                row.total,
                row.frontier_ratio,
                row.meets_frontier_threshold,
                row.outcome.value,
                snapshot.pk,
                snapshot.generation,
                snapshot.is_official,
                snapshot.computed_at,
                snapshot.inputs_hash,
                *(_gate_text(passed.get(key)) for key, _name in gates),
            )
        )
    return ExportRows(_standings_columns(components, gates), len(rows), iter(rows))


export_register(
    ExportSpec(
        name="standings",
        title=_("Standings (latest table of a phase)"),
        # Without the rubric's columns, which each phase adds (_standings_columns).
        columns=_standings_columns([], []),
        row_source=_standings_rows,
        params=(STANDINGS_PHASE,),
        read_roles=READERS,
    )
)
