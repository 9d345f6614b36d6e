"""Readiness of a phase: per participant, which required inputs are in and where a missing one is entered.

A read-only selector behind the transition previews (page and API). It reads a fixed number of queries
whatever the number of teams, components or gates, and never builds the standings: the grid says what is
present, the standings say what it is worth.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.http import QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _

from evaluations import standings as pure
from evaluations.models import (
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
)


class InputKind(enum.StrEnum):
    """The kinds of input a team needs before its phase can be ranked."""

    RESULTS = "results"
    SHEETS = "sheets"
    PANEL = "panel"
    GATE = "gate"


class GateState(enum.StrEnum):
    PASSED = "pass"
    FAILED = "fail"
    UNDECIDED = "undecided"


@dataclass(frozen=True)
class ReadinessColumn:
    key: str  # "results", "sheets:<component>", "panel:<component>[/<criterion>]", "gate:<gate>"
    kind: InputKind
    label: str


@dataclass(frozen=True)
class ReadinessCell:
    column: ReadinessColumn
    complete: bool
    text: str  # what is there: "2/13", "1/2", "24.00", "pass", …
    url: str  # where the input is entered (for results: where staff see the team's uploads)
    done: int | None = None  # results: benchmarks covered (None: no upload); sheets: sheets submitted
    required: int | None = None  # results: benchmarks in the team's set; sheets: sheets assigned
    gate: GateState | None = None


@dataclass(frozen=True)
class ReadinessRow:
    consortium_id: int
    code: str
    name: str
    cells: list[ReadinessCell]

    @property
    def complete(self) -> bool:
        return all(cell.complete for cell in self.cells)


@dataclass(frozen=True)
class Readiness:
    phase: Phase
    columns: list[ReadinessColumn]
    rows: list[ReadinessRow]

    @property
    def complete(self) -> bool:
        return all(row.complete for row in self.rows)

    @property
    def missing_count(self) -> int:
        return sum(not cell.complete for row in self.rows for cell in row.cells)

    def missing(self, kind: InputKind) -> list[tuple[ReadinessRow, ReadinessCell]]:
        """The incomplete cells of one kind, row by row."""
        return [
            (row, cell)
            for row in self.rows
            for cell in row.cells
            if cell.column.kind == kind and not cell.complete
        ]


def _gate_text(state: GateState) -> str:
    return {
        GateState.PASSED: _("Passed"),
        GateState.FAILED: _("Failed"),
        GateState.UNDECIDED: _("Undecided"),
    }[state]


def _uploads_url(phase: Phase, code: str) -> str:
    query = QueryDict(mutable=True)
    query.update({"phase": phase.code, "consortium": code})
    return f"{reverse('evaluations:upload')}?{query.urlencode()}"


def _columns(
    components: list[RubricComponent], gates: list[RubricGate]
) -> tuple[list[ReadinessColumn], dict[str, tuple[RubricComponent, RubricCriterion | None]]]:
    columns = [ReadinessColumn("results", InputKind.RESULTS, _("Results uploaded"))]
    panel_targets: dict[str, tuple[RubricComponent, RubricCriterion | None]] = {}
    for component in components:
        if component.source == pure.Source.EVALUATORS:
            columns.append(
                ReadinessColumn(
                    f"sheets:{component.key}",
                    InputKind.SHEETS,
                    _("Score sheets: %(component)s") % {"component": component.name},
                )
            )
        elif component.source == pure.Source.PANEL:
            criteria: list[RubricCriterion | None] = list(component.criteria.all())
            for criterion in criteria or [None]:
                key = f"panel:{component.key}" + (f"/{criterion.key}" if criterion else "")
                name = f"{component.name} / {criterion.name}" if criterion else component.name
                panel_targets[key] = (component, criterion)
                columns.append(
                    ReadinessColumn(
                        key, InputKind.PANEL, _("Panel result: %(component)s") % {"component": name}
                    )
                )
    for gate in gates:
        columns.append(
            ReadinessColumn(f"gate:{gate.key}", InputKind.GATE, _("Gate: %(gate)s") % {"gate": gate.name})
        )
    return columns, panel_targets


def phase_readiness(*, phase: Phase) -> Readiness:
    """The grid team × required input of ``phase``: a current results upload covering the team's benchmark
    set (phase_benchmarks_for_team's rule), submitted score sheets per evaluator-sourced component, the
    panel result per panel-sourced component (or criterion), and each gate's decision. Ten queries."""
    participants = list(
        PhaseParticipant.objects.filter(phase=phase)
        .values_list("consortium_id", "consortium__code", "consortium__name")
        .order_by("consortium__code")
    )
    components = list(
        RubricComponent.objects.filter(phase=phase).prefetch_related("criteria").order_by("order", "key")
    )
    gates = list(RubricGate.objects.filter(phase=phase).order_by("key"))
    columns, panel_targets = _columns(components, gates)

    shared, own = 0, defaultdict[int, int](int)
    for consortium_id in PhaseBenchmark.objects.filter(phase=phase).values_list("consortium_id", flat=True):
        if consortium_id is None:
            shared += 1
        else:
            own[consortium_id] += 1
    has_upload = set(
        ResultUpload.objects.filter(phase=phase, is_current=True).values_list("consortium_id", flat=True)
    )
    in_set = PhaseBenchmark.objects.filter(phase=phase, benchmark_id=OuterRef("benchmark_id")).filter(
        Q(consortium__isnull=True) | Q(consortium_id=OuterRef("upload__consortium_id"))
    )
    covered = dict(
        ResultRow.objects.filter(upload__phase=phase, upload__is_current=True)
        .filter(Exists(in_set))
        .values("upload__consortium_id")
        .annotate(n=Count("id"))
        .values_list("upload__consortium_id", "n")
    )
    sheets = {
        row["consortium_id"]: (row["assigned"], row["submitted"])
        for row in EvaluatorAssignment.objects.filter(phase=phase)
        .values("consortium_id")
        .annotate(
            assigned=Count("id"), submitted=Count("id", filter=Q(sheet__status=ScoreSheet.Status.SUBMITTED))
        )
        .order_by()
    }
    panel: dict[tuple[int, int, int | None], Decimal] = {
        (cid, comp, crit): points
        for cid, comp, crit, points in PanelResult.objects.filter(phase=phase).values_list(
            "consortium_id", "component_id", "criterion_id", "points"
        )
    }
    decided = {
        (cid, gate_id): passed
        for cid, gate_id, passed in GateResult.objects.filter(gate__phase=phase).values_list(
            "consortium_id", "gate_id", "passed"
        )
    }
    gates_by_key = {g.key: g for g in gates}
    urls = {
        InputKind.SHEETS: reverse("evaluations:assign", args=[phase.pk]),
        InputKind.PANEL: reverse("evaluations:panel", args=[phase.pk]),
        InputKind.GATE: reverse("evaluations:gates", args=[phase.pk]),
    }

    rows = []
    for cid, code, name in participants:
        cells = []
        for column in columns:
            if column.kind == InputKind.RESULTS:
                required = shared + own.get(cid, 0)
                done = covered.get(cid, 0)
                uploaded = cid in has_upload
                text = f"{done}/{required}" if uploaded else _("no upload")
                cells.append(
                    ReadinessCell(
                        column,
                        uploaded and done >= required,
                        text,
                        _uploads_url(phase, code),
                        done=done if uploaded else None,
                        required=required,
                    )
                )
            elif column.kind == InputKind.SHEETS:
                assigned, submitted = sheets.get(cid, (0, 0))
                text = f"{submitted}/{assigned}" if assigned else _("no evaluators")
                cells.append(
                    ReadinessCell(
                        column,
                        assigned > 0 and submitted == assigned,
                        text,
                        urls[InputKind.SHEETS],
                        done=submitted,
                        required=assigned,
                    )
                )
            elif column.kind == InputKind.PANEL:
                component, criterion = panel_targets[column.key]
                points = panel.get((cid, component.pk, criterion.pk if criterion else None))
                if points is None and criterion is not None:
                    # A figure for the whole component stands for all of its criteria (the standings' rule).
                    points = panel.get((cid, component.pk, None))
                cells.append(
                    ReadinessCell(
                        column,
                        points is not None,
                        "—" if points is None else f"{points:.2f}",
                        urls[InputKind.PANEL],
                    )
                )
            else:
                gate = gates_by_key[column.key.split(":", 1)[1]]
                passed = decided.get((cid, gate.pk))
                state = (
                    GateState.UNDECIDED
                    if passed is None
                    else (GateState.PASSED if passed else GateState.FAILED)
                )
                cells.append(
                    ReadinessCell(
                        column, passed is not None, _gate_text(state), urls[InputKind.GATE], gate=state
                    )
                )
        rows.append(ReadinessRow(cid, code, name, cells))
    return Readiness(phase=phase, columns=columns, rows=rows)
