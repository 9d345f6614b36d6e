"""Writes that set a phase up before and while it runs: create a phase (empty, or as the next phase from an
earlier one), change its details, and edit or remove rubric components, criteria, gates, benchmark-set
entries and participants; record a frontier model's reference score. All are ministry-staff actions.

Every refusal is a ValidationError keyed by the field it concerns (so the form and the API's 400 name it),
and every write is one transaction: a refused change saves nothing. The set-up freezes when the evaluation
begins (RUBRIC_EDITABLE), as the weights always did; removing participants is possible only in a draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from common.audit import audit_record, audit_record_many, snapshot
from common.models import AuditEvent
from consortia.models import Consortium, Program
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    CriterionScore,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)
from evaluations.selectors import phase_next_teams
from evaluations.services._common import RUBRIC_EDITABLE, phase_lock, require_staff, standings_inputs_changed

CREATE, UPDATE, DELETE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE, AuditEvent.Action.DELETE

# The dates of a phase in the order they must fall; a later one may not be before an earlier one.
PHASE_DATE_FIELDS = ("development_start", "showcase_on", "evaluation_start", "result_on")
# What staff may change on an existing phase (code and order identify it; status has its own services;
# the deadlines have theirs).
PHASE_UPDATE_FIELDS = (
    "name",
    *PHASE_DATE_FIELDS,
    "teams_in",
    "teams_advancing",
    "frontier_threshold",
)
FRONTIER_MIN, FRONTIER_MAX = Decimal(0), Decimal("1.5")


def phase_setup_values(phase: Phase) -> dict[str, Any]:
    """The phase's current values of ``PHASE_UPDATE_FIELDS`` (a partial API update starts from these)."""
    return {name: getattr(phase, name) for name in PHASE_UPDATE_FIELDS}


def phase_setup_editable(phase: Phase) -> bool:
    """Whether the set-up may still change (draft or open; frozen once the evaluation begins)."""
    return phase.status in RUBRIC_EDITABLE


def _label(name: str) -> str:
    return str(getattr(Phase._meta.get_field(name), "verbose_name", name))


def _field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def _check_phase_values(
    *,
    dates: Mapping[str, dt.date | None],
    teams_in: int | None,
    teams_advancing: int,
    frontier_threshold: Decimal,
    participants: int,
) -> None:
    """Dates in order, a sensible number of advancing teams and a threshold in range; keyed by field."""
    errors: dict[str, list[ValidationError]] = {}
    previous: tuple[str, dt.date] | None = None
    for name in PHASE_DATE_FIELDS:
        value = dates.get(name)
        if value is None:
            continue
        if previous is not None and value < previous[1]:
            errors.setdefault(name, []).append(
                ValidationError(
                    _("%(field)s (%(date)s) cannot be before %(earlier)s (%(earlier_date)s).")
                    % {
                        "field": _label(name),
                        "date": value.isoformat(),
                        "earlier": _label(previous[0]),
                        "earlier_date": previous[1].isoformat(),
                    },
                    code="date_order",
                )
            )
        previous = (name, value)
    if teams_advancing is None or teams_advancing < 1:
        errors.setdefault("teams_advancing", []).append(
            ValidationError(_("At least one team must advance."), code="teams_advancing_min")
        )
    elif participants and teams_advancing >= participants:
        errors.setdefault("teams_advancing", []).append(
            ValidationError(
                _("Fewer teams must advance than take part (%(count)s take part).") % {"count": participants},
                code="teams_advancing_max",
            )
        )
    elif teams_in is not None and teams_in <= teams_advancing:
        errors.setdefault("teams_in", []).append(
            ValidationError(
                _("More teams must enter than advance (%(advancing)s advance).")
                % {"advancing": teams_advancing},
                code="teams_in_min",
            )
        )
    if frontier_threshold is None or not (FRONTIER_MIN < Decimal(frontier_threshold) <= FRONTIER_MAX):
        errors.setdefault("frontier_threshold", []).append(
            ValidationError(
                _("The frontier threshold must be above 0 and at most 1.5."), code="frontier_threshold"
            )
        )
    if errors:
        raise ValidationError(errors)


def _check_code_free(program: Program, code: str) -> None:
    if Phase.objects.filter(program=program, code=code).exists():
        raise _field_error(
            "code",
            _("A phase with the code %(code)s already exists in the program.") % {"code": code},
            "code",
        )


def _next_order(program: Program, order: int | None) -> int:
    if order is None:
        last = Phase.objects.filter(program=program).aggregate(last=Max("order"))["last"]
        return 0 if last is None else last + 1
    if Phase.objects.filter(program=program, order=order).exists():
        raise _field_error(
            "order",
            _("Another phase of the program already has the order %(order)s.") % {"order": order},
            "order",
        )
    return order


def _new_phase(
    *,
    program: Program,
    code: str,
    name: str,
    order: int | None,
    dates: Mapping[str, dt.date | None],
    teams_in: int | None,
    teams_advancing: int,
    frontier_threshold: Decimal | None,
    participants: int = 0,
    follows: Phase | None = None,
) -> Phase:
    """Check and save a draft phase (the caller holds the program's lock and writes the audit event)."""
    threshold = program.frontier_threshold if frontier_threshold is None else Decimal(frontier_threshold)
    _check_phase_values(
        dates=dates,
        teams_in=teams_in,
        teams_advancing=teams_advancing,
        frontier_threshold=threshold,
        participants=participants,
    )
    code = code.strip()
    _check_code_free(program, code)
    phase = Phase(
        program=program,
        code=code,
        name=name.strip(),
        order=_next_order(program, order),
        status=Phase.Status.DRAFT,
        teams_in=teams_in,
        teams_advancing=teams_advancing,
        frontier_threshold=threshold,
        follows=follows,
        **{name: dates.get(name) for name in PHASE_DATE_FIELDS},
    )
    phase.full_clean()
    phase.save()
    phase.refresh_from_db()
    return phase


@transaction.atomic
def phase_create(
    *,
    program: Program,
    actor,
    code: str,
    name: str,
    teams_advancing: int,
    order: int | None = None,
    development_start: dt.date | None = None,
    showcase_on: dt.date | None = None,
    evaluation_start: dt.date | None = None,
    result_on: dt.date | None = None,
    teams_in: int | None = None,
    frontier_threshold: Decimal | None = None,
) -> Phase:
    """A new, empty draft phase of ``program``.

    Defaults: ``order`` after the program's last phase; ``frontier_threshold`` the program's.
    Checks: code and order free in the program; dates in order; teams_advancing ≥ 1 and below teams_in;
    threshold in (0, 1.5]. Lock: the program row (two creations never pick the same order).
    Side effects: Phase row; audit event.
    """
    require_staff(actor)
    locked_program = Program.objects.select_for_update().get(pk=program.pk)
    phase = _new_phase(
        program=locked_program,
        code=code,
        name=name,
        order=order,
        dates={
            "development_start": development_start,
            "showcase_on": showcase_on,
            "evaluation_start": evaluation_start,
            "result_on": result_on,
        },
        teams_in=teams_in,
        teams_advancing=teams_advancing,
        frontier_threshold=frontier_threshold,
    )
    audit_record(
        actor=actor, action=CREATE, target=phase, after=snapshot(phase), extra={"event": "phase_create"}
    )
    return phase


@dataclass(frozen=True)
class NextPhase:
    """What ``phase_create_next`` made: the phase, the teams it took from the source, and whether those are
    the source's official advancing teams (finalized) or, provisionally, its still-active participants."""

    phase: Phase
    source: Phase
    teams: list[Consortium]
    source_finalized: bool


def _copy(obj, **changes):
    """An unsaved copy of ``obj`` with ``changes`` (no pk, so saving inserts)."""
    obj.pk = None
    obj.id = None
    obj._state.adding = True
    for name, value in changes.items():
        setattr(obj, name, value)
    return obj


def _save_all(rows: Iterable) -> list:
    saved = []
    for row in rows:
        row.full_clean()
        row.save()
        saved.append(row)
    return saved


@transaction.atomic
def phase_create_next(
    *,
    source: Phase,
    actor,
    code: str,
    name: str,
    teams_advancing: int,
    order: int | None = None,
    development_start: dt.date | None = None,
    showcase_on: dt.date | None = None,
    evaluation_start: dt.date | None = None,
    result_on: dt.date | None = None,
    teams_in: int | None = None,
    frontier_threshold: Decimal | None = None,
) -> NextPhase:
    """A draft phase built from ``source``: its rubric (components with weights, sources and panel sizes;
    their criteria), its gates and its benchmark set are copied, and the teams that advanced from it
    become the participants, with their declared target models and team-specific benchmarks.

    The teams: the participants whose official outcome is "advances" when ``source`` is finalized;
    otherwise (provisionally, as the result says) its participants that are still active.
    Defaults: ``order`` after the program's last phase; ``teams_in`` the number of teams taken;
    ``frontier_threshold`` the source's. Checks as ``phase_create``, with fewer advancing teams than taken.
    Locks: the program row, then the source phase (a finalize of the source cannot interleave).
    Side effects: Phase and the copied rows; one audit event per row and one on the phase naming the
    source; the new phase's standings marked stale.
    """
    require_staff(actor)
    locked_program = Program.objects.select_for_update().get(pk=source.program_id)
    locked_source = Phase.objects.select_for_update().get(pk=source.pk)
    teams, finalized = phase_next_teams(source=locked_source)
    team_ids = {t.pk for t in teams}
    phase = _new_phase(
        program=locked_program,
        code=code,
        name=name,
        order=order,
        dates={
            "development_start": development_start,
            "showcase_on": showcase_on,
            "evaluation_start": evaluation_start,
            "result_on": result_on,
        },
        teams_in=len(teams) if teams_in is None and teams else teams_in,
        teams_advancing=teams_advancing,
        frontier_threshold=locked_source.frontier_threshold
        if frontier_threshold is None
        else frontier_threshold,
        participants=len(teams),
        follows=locked_source,
    )
    created: list = []
    for component in RubricComponent.objects.filter(phase=locked_source).order_by("order", "key"):
        criteria = list(component.criteria.order_by("order", "key"))
        copy = _copy(component, phase=phase)
        created += _save_all([copy])
        created += _save_all(_copy(criterion, component=copy) for criterion in criteria)
    created += _save_all(
        _copy(gate, phase=phase) for gate in RubricGate.objects.filter(phase=locked_source).order_by("key")
    )
    benchmarks = PhaseBenchmark.objects.filter(phase=locked_source).order_by("group", "benchmark__code")
    created += _save_all(
        _copy(entry, phase=phase)
        for entry in benchmarks
        if entry.consortium_id is None or entry.consortium_id in team_ids
    )
    created += _save_all(PhaseParticipant(phase=phase, consortium=team) for team in teams)
    created += _save_all(
        _copy(target, phase=phase)
        for target in TargetModel.objects.filter(phase=locked_source, consortium_id__in=team_ids)
    )
    audit_record_many(
        [
            {
                "actor": actor,
                "action": CREATE,
                "target": phase,
                "after": snapshot(phase),
                "extra": {
                    "event": "phase_create_next",
                    "source": locked_source.code,
                    "teams": [t.code for t in teams],
                    "source_finalized": finalized,
                },
            },
            *({"actor": actor, "action": CREATE, "target": row, "after": snapshot(row)} for row in created),
        ]
    )
    standings_inputs_changed(phase_id=phase.pk, trigger=f"phase created from {locked_source.code}")
    return NextPhase(phase=phase, source=locked_source, teams=teams, source_finalized=finalized)


@transaction.atomic
def phase_update(
    *,
    phase: Phase,
    actor,
    name: str,
    development_start: dt.date | None,
    showcase_on: dt.date | None,
    evaluation_start: dt.date | None,
    result_on: dt.date | None,
    teams_in: int | None,
    teams_advancing: int,
    frontier_threshold: Decimal,
) -> Phase:
    """Change a phase's name, dates, team counts and frontier threshold (the fields of
    ``PHASE_UPDATE_FIELDS``; ``phase_setup_values`` gives the current ones).

    Allowed while the phase is a draft or open; frozen once the evaluation begins.
    Checks: as ``phase_create``; teams_advancing below the number of participants when there are any.
    Side effects: Phase fields; standings stale when the cut or the threshold changed; audit event with
    before/after.
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("changing the phase's details"))
    values = {
        "name": name.strip(),
        "development_start": development_start,
        "showcase_on": showcase_on,
        "evaluation_start": evaluation_start,
        "result_on": result_on,
        "teams_in": teams_in,
        "teams_advancing": teams_advancing,
        "frontier_threshold": frontier_threshold,
    }
    _check_phase_values(
        dates={
            "development_start": development_start,
            "showcase_on": showcase_on,
            "evaluation_start": evaluation_start,
            "result_on": result_on,
        },
        teams_in=teams_in,
        teams_advancing=teams_advancing,
        frontier_threshold=frontier_threshold,
        participants=PhaseParticipant.objects.filter(phase=locked).count(),
    )
    fields = list(PHASE_UPDATE_FIELDS)
    before = snapshot(locked, fields)
    for field, value in values.items():
        setattr(locked, field, value)
    locked.full_clean()
    locked.save(update_fields=fields)
    locked.refresh_from_db(fields=fields)  # the stored (quantized) values, for the audit and the result
    after = snapshot(locked, fields)
    if after != before:
        audit_record(actor=actor, action=UPDATE, target=locked, before=before, after=after)
    if before["teams_advancing"] != after["teams_advancing"] or (
        before["frontier_threshold"] != after["frontier_threshold"]
    ):
        standings_inputs_changed(phase_id=locked.pk, trigger="phase cut or threshold changed")
    return locked


# --- rubric ------------------------------------------------------------------------------------------


def _component_in_use(component: RubricComponent) -> bool:
    return (
        PanelResult.objects.filter(component=component).exists()
        or CriterionScore.objects.filter(criterion__component=component).exists()
    )


@transaction.atomic
def rubric_component_update(
    *,
    component: RubricComponent,
    actor,
    name: str,
    note: str,
    source: str,
    panel_size: int | None,
    weight: Decimal,
) -> RubricComponent:
    """Change a component's name, note, source of points, panel size or weight (weights need not add up
    to 100 until the evaluation begins, which refuses them otherwise).

    Checks: the phase is a draft or open; a benchmark component's criteria all name a benchmark group; the
    source cannot change once points were entered from it. Side effects: the row; standings stale; audit.
    """
    require_staff(actor)
    locked = phase_lock(component.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricComponent.objects.select_for_update().get(pk=component.pk, phase=locked)
    if source != row.source:
        if _component_in_use(row):
            raise _field_error(
                "source",
                _("Points were already entered for %(component)s; its source can no longer change.")
                % {"component": row.name},
                "source_in_use",
            )
        if source == pure.Source.BENCHMARKS and row.criteria.filter(benchmark_group="").exists():
            raise _field_error(
                "source",
                _("Every criterion of a benchmark component needs a benchmark group; set them first."),
                "source_groups",
            )
    before = snapshot(row)
    row.name, row.note, row.source, row.panel_size, row.weight = (
        name.strip(),
        note,
        source,
        panel_size,
        weight,
    )
    row.full_clean()
    row.save()
    row.refresh_from_db()
    after = snapshot(row)
    if after != before:
        audit_record(actor=actor, action=UPDATE, target=row, before=before, after=after)
        standings_inputs_changed(phase_id=locked.pk, trigger=f"rubric component {row.key} changed")
    return row


@transaction.atomic
def rubric_component_delete(*, component: RubricComponent, actor) -> None:
    """Remove a component and its criteria.

    Checks: the phase is a draft or open; no points were entered for it (panel results, sheet scores).
    Side effects: deletes the rows; standings stale; audit events (component and each criterion).
    """
    require_staff(actor)
    locked = phase_lock(component.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricComponent.objects.select_for_update().get(pk=component.pk, phase=locked)
    if _component_in_use(row):
        raise ValidationError(
            _("Points were already entered for %(component)s; it cannot be removed.")
            % {"component": row.name},
            code="in_use",
        )
    criteria = list(row.criteria.all())
    events = [{"actor": actor, "action": DELETE, "target": c, "before": snapshot(c)} for c in criteria] + [
        {"actor": actor, "action": DELETE, "target": row, "before": snapshot(row)}
    ]
    audit_record_many(events)
    row.delete()
    standings_inputs_changed(phase_id=locked.pk, trigger=f"rubric component {row.key} removed")


def _component_scale(component: RubricComponent, fallback: Decimal) -> Decimal:
    """A component's scale: the sum of its criteria maxima; without criteria, its weight."""
    total = sum(component.criteria.values_list("max_points", flat=True), Decimal(0))
    if total > 0:
        return total
    return component.weight if component.weight > 0 else fallback


@transaction.atomic
def rubric_criterion_update(
    *,
    criterion: RubricCriterion,
    actor,
    name: str,
    max_points: Decimal,
    benchmark_group: str = "",
    note: str = "",
) -> RubricCriterion:
    """Change a criterion; its component's maximum stays the sum of its criteria.

    Checks: the phase is a draft or open; a benchmark component's criterion names a benchmark group; the
    maximum is not below points already given on it. Side effects: the row and the component's
    max_points; standings stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(criterion.component.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricCriterion.objects.select_related("component").select_for_update().get(pk=criterion.pk)
    component = row.component
    if component.source == pure.Source.BENCHMARKS and not benchmark_group:
        raise _field_error(
            "benchmark_group", _("A criterion of a benchmark component needs a benchmark group."), "group"
        )
    highest = max(
        [
            *CriterionScore.objects.filter(criterion=row).values_list("points", flat=True),
            *PanelResult.objects.filter(criterion=row).values_list("points", flat=True),
        ],
        default=None,
    )
    if highest is not None and Decimal(max_points) < highest:
        raise _field_error(
            "max_points",
            _("%(points)s points were already given on this criterion; the maximum cannot be lower.")
            % {"points": highest},
            "max_points_below_given",
        )
    before = snapshot(row)
    row.name, row.max_points, row.benchmark_group, row.note = name.strip(), max_points, benchmark_group, note
    row.full_clean()
    row.save()
    row.refresh_from_db()
    component.max_points = _component_scale(component, component.max_points)
    component.save(update_fields=["max_points"])
    after = snapshot(row)
    if after != before:
        audit_record(actor=actor, action=UPDATE, target=row, before=before, after=after)
        standings_inputs_changed(phase_id=locked.pk, trigger=f"rubric criterion {component.key}/{row.key}")
    return row


@transaction.atomic
def rubric_criterion_delete(*, criterion: RubricCriterion, actor) -> None:
    """Remove a criterion; the component's maximum becomes the sum of the rest (its weight when none is
    left). Checks: the phase is a draft or open; no points were given on it.
    Side effects: deletes the row; component max_points; standings stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(criterion.component.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricCriterion.objects.select_related("component").select_for_update().get(pk=criterion.pk)
    if (
        CriterionScore.objects.filter(criterion=row).exists()
        or PanelResult.objects.filter(criterion=row).exists()
    ):
        raise ValidationError(
            _("Points were already given on %(criterion)s; it cannot be removed.") % {"criterion": row.name},
            code="in_use",
        )
    component = row.component
    audit_record(actor=actor, action=DELETE, target=row, before=snapshot(row))
    row.delete()
    component.max_points = _component_scale(component, component.max_points)
    component.save(update_fields=["max_points"])
    standings_inputs_changed(
        phase_id=locked.pk, trigger=f"rubric criterion {component.key}/{row.key} removed"
    )


@transaction.atomic
def rubric_gate_update(*, gate: RubricGate, actor, name: str, description: str = "") -> RubricGate:
    """Rename a gate or change its description. Checks: the phase is a draft or open.
    Side effects: the row; audit event."""
    require_staff(actor)
    locked = phase_lock(gate.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricGate.objects.select_for_update().get(pk=gate.pk, phase=locked)
    before = snapshot(row)
    row.name, row.description = name.strip(), description
    row.full_clean()
    row.save()
    row.refresh_from_db()
    after = snapshot(row)
    if after != before:
        audit_record(actor=actor, action=UPDATE, target=row, before=before, after=after)
    return row


@transaction.atomic
def rubric_gate_delete(*, gate: RubricGate, actor) -> None:
    """Remove a gate. Checks: the phase is a draft or open; no team's decision on it is recorded.
    Side effects: deletes the row; standings stale; audit event."""
    require_staff(actor)
    locked = phase_lock(gate.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    row = RubricGate.objects.select_for_update().get(pk=gate.pk, phase=locked)
    if GateResult.objects.filter(gate=row).exists():
        raise ValidationError(
            _("%(gate)s was already decided for a team; it cannot be removed.") % {"gate": row.name},
            code="in_use",
        )
    audit_record(actor=actor, action=DELETE, target=row, before=snapshot(row))
    row.delete()
    standings_inputs_changed(phase_id=locked.pk, trigger=f"gate {row.key} removed")


# --- benchmark set, participants, reference scores ------------------------------------------------------


@transaction.atomic
def phase_benchmark_remove(*, entry: PhaseBenchmark, actor) -> None:
    """Take a benchmark out of a phase's set. Checks: the phase is a draft or open.
    Side effects: deletes the row; standings stale; audit event."""
    require_staff(actor)
    locked = phase_lock(entry.phase, allowed=RUBRIC_EDITABLE, action=_("changing the benchmark set"))
    row = PhaseBenchmark.objects.select_related("benchmark").get(pk=entry.pk, phase=locked)
    audit_record(actor=actor, action=DELETE, target=row, before=snapshot(row))
    row.delete()
    standings_inputs_changed(phase_id=locked.pk, trigger=f"benchmark {row.benchmark.code} removed")


@transaction.atomic
def phase_participant_remove(*, participant: PhaseParticipant, actor) -> None:
    """Take a team out of a draft phase, with its declared target model and team-specific benchmarks.

    Checks: the phase is a draft; nothing was entered for the team in it yet (uploads, evaluator
    assignments or sheets, gate decisions, panel results).
    Side effects: deletes the participant, its target model and team benchmarks; standings stale; one
    audit event per removed row.
    """
    require_staff(actor)
    locked = phase_lock(participant.phase, allowed=(Phase.Status.DRAFT,), action=_("removing a participant"))
    row = PhaseParticipant.objects.select_related("consortium").get(pk=participant.pk, phase=locked)
    team = row.consortium
    entered = (
        ResultUpload.objects.filter(phase=locked, consortium=team).exists()
        or EvaluatorAssignment.objects.filter(phase=locked, consortium=team).exists()
        or GateResult.objects.filter(gate__phase=locked, consortium=team).exists()
        or PanelResult.objects.filter(phase=locked, consortium=team).exists()
    )
    if entered:
        raise _field_error(
            "consortium",
            _("Results, sheets or decisions were already entered for %(team)s in %(phase)s; it stays.")
            % {"team": team, "phase": locked},
            "in_use",
        )
    dependants = [
        *TargetModel.objects.filter(phase=locked, consortium=team),
        *PhaseBenchmark.objects.filter(phase=locked, consortium=team),
    ]
    audit_record_many(
        [{"actor": actor, "action": DELETE, "target": d, "before": snapshot(d)} for d in dependants]
        + [{"actor": actor, "action": DELETE, "target": row, "before": snapshot(row)}]
    )
    for dependant in dependants:
        dependant.delete()
    row.delete()
    standings_inputs_changed(phase_id=locked.pk, trigger=f"participant {team.code} removed")


def _phases_measured_against(benchmark: Benchmark, reference_model: str):
    """Phases that measure some team against ``reference_model`` on ``benchmark``."""
    return Phase.objects.filter(
        benchmark_set__benchmark=benchmark, target_models__reference_model=reference_model
    ).distinct()


@transaction.atomic
def reference_score_set(
    *, benchmark: Benchmark, reference_model: str, score: Decimal, actor
) -> ReferenceScore:
    """Record (or correct) a frontier model's published score on a benchmark: the yardstick of the teams
    that declared this model as their target.

    Checks: 0 ≤ score ≤ the benchmark's scale; a correction is refused while a phase that measures a team
    against this model on this benchmark is evaluating (its inputs are frozen).
    Locks: the benchmark row. Side effects: ReferenceScore upsert; the standings of the draft and open
    phases that use it marked stale; audit event (before/after on a correction).
    """
    require_staff(actor)
    locked = Benchmark.objects.select_for_update().get(pk=benchmark.pk)
    reference_model = reference_model.strip()
    if not reference_model:
        raise _field_error("reference_model", _("Name the reference model."), "required")
    score = Decimal(score)
    if not score.is_finite() or score < 0 or score > locked.scale:
        raise _field_error(
            "score",
            _("The score must be between 0 and %(scale)s (the benchmark's scale).") % {"scale": locked.scale},
            "score_range",
        )
    row = ReferenceScore.objects.select_for_update().filter(benchmark=locked, reference_model=reference_model)
    existing = row.first()
    phases = list(_phases_measured_against(locked, reference_model))
    if existing is not None:
        frozen = [p for p in phases if p.status == Phase.Status.EVALUATING]
        if frozen and existing.score != score:
            raise _field_error(
                "score",
                _("%(phase)s is evaluating against this score; it is frozen until the phase is finalized.")
                % {"phase": frozen[0]},
                "frozen",
            )
    before = snapshot(existing) if existing else None
    result = existing or ReferenceScore(benchmark=locked, reference_model=reference_model)
    result.score = score
    result.full_clean()
    result.save()
    result.refresh_from_db()
    after = snapshot(result)
    if after != before:
        audit_record(
            actor=actor, action=UPDATE if before else CREATE, target=result, before=before, after=after
        )
        for phase in phases:
            if phase.status in RUBRIC_EDITABLE:
                standings_inputs_changed(
                    phase_id=phase.pk, trigger=f"reference score {locked.code}/{reference_model}"
                )
    return result
