"""Writes for a phase's set-up and staff-entered inputs: rubric, benchmark set, target models,
participants, gate decisions and panel results. All are ministry-staff actions (status changes:
evaluations.services.lifecycle)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.models import AuditEvent
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    BenchmarkGroup,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)
from evaluations.services._common import (
    NOT_FINAL,
    RUBRIC_EDITABLE,
    phase_lock,
    require_staff,
    standings_inputs_changed,
)

CREATE, UPDATE = AuditEvent.Action.CREATE, AuditEvent.Action.UPDATE


@transaction.atomic
def rubric_component_create(
    *,
    phase: Phase,
    actor,
    key: str,
    name: str,
    weight: Decimal,
    source: str,
    max_points: Decimal | None = None,
    panel_size: int | None = None,
    note: str = "",
) -> RubricComponent:
    """Add a component (weights need not add up to 100 until evaluation starts).

    Side effects: RubricComponent row; standings marked stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    order = RubricComponent.objects.filter(phase=locked).count()
    component = RubricComponent(
        phase=locked,
        key=key,
        name=name,
        order=order,
        weight=weight,
        source=source,
        max_points=weight if max_points is None else max_points,
        panel_size=panel_size,
        note=note,
    )
    component.full_clean()
    component.save()
    audit_record(actor=actor, action=CREATE, target=component, after=snapshot(component))
    standings_inputs_changed(phase_id=locked.pk, trigger=f"rubric component {key} added")
    return component


@transaction.atomic
def rubric_criterion_create(
    *,
    component: RubricComponent,
    actor,
    key: str,
    name: str,
    max_points: Decimal,
    benchmark_group: str = "",
    note: str = "",
) -> RubricCriterion:
    """Add a criterion; the component's scale becomes the sum of its criteria maxima.

    Side effects: RubricCriterion row, RubricComponent.max_points; standings stale; audit event.
    """
    require_staff(actor)
    phase_lock(component.phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    if component.source == pure.Source.BENCHMARKS and not benchmark_group:
        raise ValidationError(
            _("A criterion of a benchmark component needs a benchmark group."), code="group"
        )
    criterion = RubricCriterion(
        component=component,
        key=key,
        name=name,
        max_points=max_points,
        benchmark_group=benchmark_group,
        note=note,
        order=component.criteria.count(),
    )
    criterion.full_clean()
    criterion.save()
    component.max_points = sum(component.criteria.values_list("max_points", flat=True), Decimal(0))
    component.save(update_fields=["max_points"])
    audit_record(actor=actor, action=CREATE, target=criterion, after=snapshot(criterion))
    standings_inputs_changed(
        phase_id=component.phase_id, trigger=f"rubric criterion {component.key}/{key} added"
    )
    return criterion


@transaction.atomic
def rubric_weights_set(*, phase: Phase, weights: Mapping[str, Decimal], actor) -> list[RubricComponent]:
    """Set every component's weight at once (they must name all components and add up to 100).

    Refused once the phase is evaluating: weights are frozen from then on.
    Side effects: RubricComponent.weight; standings stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric weights"))
    components = list(RubricComponent.objects.filter(phase=locked))
    keys = {c.key for c in components}
    # Keyed by the input that carries them all: the API's ``weights``; the page, whose fields are one per
    # component, shows it above them.
    if set(weights) != keys:
        raise ValidationError(
            {
                "weights": ValidationError(
                    _("Give a weight for exactly these components: %(keys)s.")
                    % {"keys": ", ".join(sorted(keys))},
                    code="weights_keys",
                )
            }
        )
    values = {key: Decimal(value) for key, value in weights.items()}
    if any(v < 0 for v in values.values()) or sum(values.values(), Decimal(0)) != 100:
        raise ValidationError(
            {
                "weights": ValidationError(
                    _("The weights must be non-negative and add up to 100 (they add up to %(total)s).")
                    % {"total": sum(values.values(), Decimal(0))},
                    code="weights_total",
                )
            }
        )
    before = {c.key: str(c.weight) for c in components}
    for component in components:
        component.weight = values[component.key]
        component.full_clean()
    RubricComponent.objects.bulk_update(components, ["weight"])
    audit_record(
        actor=actor,
        action=UPDATE,
        extra={"event": "rubric_weights_set"},
        target=locked,
        before={"weights": before},
        after={"weights": {k: str(v) for k, v in values.items()}},
    )
    standings_inputs_changed(phase_id=locked.pk, trigger="rubric weights changed")
    return components


@transaction.atomic
def rubric_gate_create(*, phase: Phase, actor, key: str, name: str, description: str = "") -> RubricGate:
    """Side effects: RubricGate row; standings stale (every team now needs a decision); audit event."""
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("changing the rubric"))
    gate = RubricGate(phase=locked, key=key, name=name, description=description)
    gate.full_clean()
    gate.save()
    audit_record(actor=actor, action=CREATE, target=gate, after=snapshot(gate))
    standings_inputs_changed(phase_id=locked.pk, trigger=f"gate {key} added")
    return gate


def _require_participant(phase: Phase, consortium) -> None:
    if not PhaseParticipant.objects.filter(phase=phase, consortium=consortium).exists():
        raise ValidationError(
            _("%(team)s does not take part in %(phase)s.") % {"team": consortium, "phase": phase},
            code="not_participant",
        )


@transaction.atomic
def gate_result_record(
    *, gate: RubricGate, consortium, passed: bool, reason: str, evidence: str = "", actor
) -> GateResult:
    """Decide a gate for a team (a failure needs a written reason); replaces an earlier decision.

    Side effects: GateResult upsert; standings stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(gate.phase, allowed=NOT_FINAL, action=_("deciding a gate"))
    _require_participant(locked, consortium)
    reason, evidence = reason.strip(), evidence.strip()
    if not passed and not reason:
        # Keyed by the field, so the API's errors and the form both point at the reason input.
        raise ValidationError(
            {"reason": ValidationError(_("A failed gate needs a written reason."), code="reason_required")}
        )
    result = (
        GateResult.objects.select_for_update().order_by().filter(gate=gate, consortium=consortium).first()
    )
    before = snapshot(result) if result else None
    if result is None:
        result = GateResult(gate=gate, consortium=consortium, passed=passed)
    result.passed, result.reason, result.evidence = passed, reason, evidence
    result.decided_by, result.decided_at = actor, timezone.now()
    result.full_clean()
    result.save()
    audit_record(
        actor=actor, action=UPDATE if before else CREATE, target=result, before=before, after=snapshot(result)
    )
    standings_inputs_changed(phase_id=locked.pk, trigger=f"gate {gate.key} decided for {consortium.code}")
    return result


@transaction.atomic
def panel_result_record(
    *,
    phase: Phase,
    consortium,
    component: RubricComponent,
    criterion: RubricCriterion | None = None,
    points: Decimal,
    panel_size: int | None = None,
    note: str = "",
    actor,
) -> PanelResult:
    """Enter an aggregated panel result (e.g. the 49-user panel, or a published figure).

    Side effects: PanelResult upsert; standings stale; audit event.
    """
    require_staff(actor)
    locked = phase_lock(phase, allowed=NOT_FINAL, action=_("entering a panel result"))
    _require_participant(locked, consortium)
    if component.phase_id != locked.pk or (criterion is not None and criterion.component_id != component.pk):
        raise ValidationError(_("The component or criterion does not belong to this phase."), code="mismatch")
    if component.source != pure.Source.PANEL:
        raise ValidationError(
            _("%(component)s takes its points from %(source)s, not from a panel result.")
            % {"component": component.name, "source": component.get_source_display()},
            code="source",
        )
    maximum = criterion.max_points if criterion is not None else component.max_points
    points = Decimal(points)
    if not points.is_finite() or points < 0 or points > maximum:
        raise ValidationError(
            _("Points must be between 0 and %(max)s.") % {"max": maximum}, code="points_range"
        )
    result = (
        PanelResult.objects.select_for_update()
        .order_by()
        .filter(consortium=consortium, component=component, criterion=criterion)
        .first()
    )
    before = snapshot(result) if result else None
    if result is None:
        result = PanelResult(
            phase=locked, consortium=consortium, component=component, criterion=criterion, points=points
        )
    result.points, result.panel_size, result.note = points, panel_size, note
    result.entered_by, result.entered_at = actor, timezone.now()
    result.full_clean()
    result.save()
    audit_record(
        actor=actor, action=UPDATE if before else CREATE, target=result, before=before, after=snapshot(result)
    )
    standings_inputs_changed(
        phase_id=locked.pk, trigger=f"panel result {component.key} for {consortium.code}"
    )
    return result


@transaction.atomic
def phase_benchmark_add(
    *, phase: Phase, benchmark: Benchmark, group: str, consortium=None, actor
) -> PhaseBenchmark:
    """Add a benchmark to the phase's set: common and agency ones for every team, a team-specific one for
    the participant named. Checks: not in the set yet (keyed "benchmark"); a team exactly for team-specific.
    Side effects: PhaseBenchmark row; standings stale; audit event."""
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("changing the benchmark set"))
    if group == BenchmarkGroup.TEAM_SPECIFIC:
        if consortium is None:
            raise ValidationError(
                {"consortium": _("A team-specific benchmark names the team it belongs to.")}, code="team"
            )
        _require_participant(locked, consortium)
    elif consortium is not None:
        raise ValidationError(
            {"consortium": _("Only a team-specific benchmark names a team; leave the team empty.")},
            code="team",
        )
    if PhaseBenchmark.objects.filter(phase=locked, benchmark=benchmark, consortium=consortium).exists():
        raise ValidationError(
            {
                "benchmark": _("%(benchmark)s is already in the benchmark set of %(phase)s.")
                % {"benchmark": benchmark.code, "phase": locked}
            },
            code="duplicate",
        )
    entry = PhaseBenchmark(phase=locked, benchmark=benchmark, group=group, consortium=consortium)
    entry.full_clean()
    entry.save()
    audit_record(actor=actor, action=CREATE, target=entry, after=snapshot(entry))
    standings_inputs_changed(phase_id=locked.pk, trigger=f"benchmark {benchmark.code} added")
    return entry


@transaction.atomic
def target_model_set(*, phase: Phase, consortium, reference_model: str, actor) -> TargetModel:
    """A team's declared frontier target; staff record it. Side effects: TargetModel upsert; stale; audit."""
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("setting a target model"))
    _require_participant(locked, consortium)
    target = TargetModel.objects.filter(phase=locked, consortium=consortium).first()
    before = snapshot(target) if target else None
    target = target or TargetModel(phase=locked, consortium=consortium)
    target.reference_model = reference_model.strip()
    target.full_clean()
    target.save()
    audit_record(
        actor=actor, action=UPDATE if before else CREATE, target=target, before=before, after=snapshot(target)
    )
    standings_inputs_changed(phase_id=locked.pk, trigger=f"target model for {consortium.code}")
    return target


@transaction.atomic
def phase_participant_add(*, phase: Phase, consortium, actor) -> PhaseParticipant:
    """Enter a team into a draft or open phase (a wildcard team joins a running phase this way).

    Checks: the team is of the phase's program, active, and not in the phase yet (keyed "consortium").
    Side effects: PhaseParticipant row; standings stale; audit event."""
    require_staff(actor)
    locked = phase_lock(phase, allowed=RUBRIC_EDITABLE, action=_("adding a participant"))
    # Keyed by the field, so the form and the API's 400 point at the team chosen.
    if consortium.program_id != locked.program_id:
        raise ValidationError(
            {"consortium": _("%(team)s is not in this phase's program.") % {"team": consortium}},
            code="program",
        )
    if not consortium.is_active:
        raise ValidationError(
            {"consortium": _("%(team)s is no longer active.") % {"team": consortium}}, code="inactive"
        )
    if PhaseParticipant.objects.filter(phase=locked, consortium=consortium).exists():
        raise ValidationError(
            {
                "consortium": _("%(team)s already takes part in %(phase)s.")
                % {"team": consortium, "phase": locked}
            },
            code="duplicate",
        )
    participant = PhaseParticipant(phase=locked, consortium=consortium)
    participant.full_clean()
    participant.save()
    audit_record(actor=actor, action=CREATE, target=participant, after=snapshot(participant))
    standings_inputs_changed(phase_id=locked.pk, trigger=f"participant {consortium.code} added")
    return participant
