"""Standings I/O around the pure function: recompute into snapshots, finalize a phase, preview and
what-if views (which never save)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.services import allocations_freeze_for_elimination
from common.audit import audit_record
from common.models import AuditEvent
from consortia.models import Consortium
from consortia.services import consortium_mark_departed
from evaluations import standings as pure
from evaluations.models import EvaluatorAssignment, Phase, PhaseParticipant, StandingsSnapshot
from evaluations.selectors import missing_item_text, standings_inputs
from evaluations.services._common import require_staff, standings_inputs_changed
from evaluations.services.lifecycle import (
    Transition,
    TransitionCheck,
    phase_lock_for_transition,
    phase_transition_check,
)
from evaluations.services.recompute import RecomputeStatus, lock_phase_standings, snapshot_write


@dataclass(frozen=True)
class FinalizePreview:
    phase: Phase
    table: pure.Table
    advancing: list[str]
    eliminated_on_points: list[str]
    disqualified_by_gate: list[str]
    not_ranked: list[tuple[str, list[str]]]
    next_phase: Phase | None
    check: TransitionCheck

    @property
    def problems(self) -> list[str]:
        return self.check.problems

    @property
    def can_finalize(self) -> bool:
        return self.check.allowed


def _next_phase(phase: Phase) -> Phase | None:
    """Where the teams that advance go: the phase made "next from" this one, if any; else the first later
    phase not yet finalized that was not made to follow another phase."""
    later = Phase.objects.filter(program_id=phase.program_id).exclude(status=Phase.Status.FINALIZED)
    return (
        later.filter(follows=phase).order_by("order").first()
        or later.filter(order__gt=phase.order, follows__isnull=True).order_by("order").first()
    )


def phase_finalize_preview(*, phase: Phase) -> FinalizePreview:
    """What finalizing would do now (for the confirmation step); reads only."""
    table = pure.compute_standings(standings_inputs(phase=phase))
    by = {o: [r.label for r in table.rows if r.outcome == o] for o in pure.Outcome}
    return FinalizePreview(
        phase=phase,
        table=table,
        advancing=by[pure.Outcome.ADVANCES],
        eliminated_on_points=by[pure.Outcome.ELIMINATED_ON_POINTS],
        disqualified_by_gate=by[pure.Outcome.DISQUALIFIED_BY_GATE],
        not_ranked=[
            (r.label, [missing_item_text(m) for m in r.missing])
            for r in table.rows
            if r.outcome == pure.Outcome.NOT_RANKED
        ],
        next_phase=_next_phase(phase),
        check=phase_transition_check(phase=phase, transition=Transition.FINALIZE, rows=table.rows),
    )


_DEPARTURE_REASONS = {
    pure.Outcome.ELIMINATED_ON_POINTS: "Eliminated on points in %(phase)s (rank %(rank)s, %(total)s points)",
    pure.Outcome.DISQUALIFIED_BY_GATE: "Disqualified in %(phase)s: failed gate(s) %(gates)s",
}


@transaction.atomic
def phase_finalize(*, phase: Phase, actor) -> StandingsSnapshot:
    """Make the phase's outcome official.

    In one transaction: recompute the standings (or reuse a current snapshot) and mark it official;
    record each participant's official outcome, rank and total from that snapshot's rows; mark
    eliminated and disqualified teams as departed (consortia.services.consortium_mark_departed) and
    freeze their budget allocations (budget.services.allocations_freeze_for_elimination); enter the
    advancing teams into the next phase; set the phase finalized (read-only from then on). Refused
    while any team is not ranked.
    Checks: staff; the phase's row lock (evaluating), then phase_transition_check on the rows made
    official. Side effects: the rows above; an audit event.
    """
    require_staff(actor)
    started = time.monotonic()
    locked = phase_lock_for_transition(phase, Transition.FINALIZE)
    lock_phase_standings(locked.pk, wait=True)
    result = snapshot_write(locked, trigger=f"finalize by {actor.get_username()}", started=started)
    snapshot = result.snapshot
    if snapshot is None or result.status not in (RecomputeStatus.WRITTEN, RecomputeStatus.CURRENT):
        raise ValidationError(_("The standings changed while finalizing; try again."), code="superseded")
    # The participants' official outcomes are read from the very table made official, not recomputed;
    # the check runs on those rows, so the refusal is the preview's.
    rows = snapshot.rows()
    phase_transition_check(phase=locked, transition=Transition.FINALIZE, rows=rows).refuse_if_blocked()
    StandingsSnapshot.objects.filter(pk=snapshot.pk).update(is_official=True)
    snapshot.is_official = True
    effective_on: dt.date = locked.result_on or timezone.localdate()
    participants = {
        p.consortium_id: p for p in PhaseParticipant.objects.filter(phase=locked).select_related("consortium")
    }
    teams = {c.pk: c for c in Consortium.objects.filter(pk__in=list(participants))}
    next_phase = _next_phase(locked)
    for row in rows:
        participant = participants[row.consortium_id]
        participant.outcome, participant.final_rank, participant.final_total = (
            row.outcome.value,
            row.rank,
            row.total,
        )
        participant.save(update_fields=["outcome", "final_rank", "final_total"])
        team = teams[row.consortium_id]
        # A team that already left (withdrew mid-phase) keeps its own departure record and freeze.
        if row.outcome in _DEPARTURE_REASONS and team.is_active:
            reason = _DEPARTURE_REASONS[row.outcome] % {
                "phase": locked.code,
                "rank": row.rank,
                "total": row.total,
                "gates": ", ".join(g.key for g in row.gates if g.passed is False),
            }
            consortium_mark_departed(
                consortium=team,
                status=Consortium.Status.ELIMINATED,
                left_on=effective_on,
                phase=locked,
                reason=reason,
                actor=actor,
            )
            allocations_freeze_for_elimination(
                consortium=team, phase=locked, effective_on=effective_on, actor=actor
            )
        elif row.outcome == pure.Outcome.ADVANCES and next_phase is not None:
            PhaseParticipant.objects.get_or_create(phase=next_phase, consortium=team)
    locked.status, locked.finalized_at, locked.finalized_by = Phase.Status.FINALIZED, timezone.now(), actor
    locked.save(update_fields=["status", "finalized_at", "finalized_by"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.FINALIZE,
        target=locked,
        before={"status": Phase.Status.EVALUATING},
        after={
            "status": Phase.Status.FINALIZED,
            "snapshot": snapshot.pk,
            "inputs_hash": snapshot.inputs_hash,
            "outcomes": {row.label: row.outcome.value for row in rows},
            "next_phase": next_phase.code if next_phase else None,
        },
    )
    if next_phase is not None:
        standings_inputs_changed(phase_id=next_phase.pk, trigger=f"teams advanced from {locked.code}")
    return snapshot


@dataclass(frozen=True)
class Sensitivity:
    removed: str  # "evaluator:<username>" or "benchmark:<code>"
    changes: list[tuple[str, str, str]]  # (team, outcome with, outcome without)


@dataclass(frozen=True)
class WhatIf:
    current: pure.Table
    table: pure.Table
    changes: list[tuple[str, str, str]]  # (team, current outcome, outcome under the what-if)
    sensitivity: list[Sensitivity]

    @property
    def stable(self) -> bool:
        """True when no single evaluator or benchmark, removed, would change any outcome."""
        return not any(s.changes for s in self.sensitivity)


def _labelled(changes: Iterable[pure.OutcomeChange], labels: Mapping[int, str]) -> list[tuple[str, str, str]]:
    return [(labels[c.consortium_id], c.before.value, c.after.value) for c in changes]


def standings_what_if(
    *, phase: Phase, weights: Mapping[str, Decimal] | None = None, cut_count: int | None = None
) -> WhatIf:
    """The standings under other weights and/or cut count, with how stable the outcome is: which teams'
    outcomes change, and whether removing any single evaluator or benchmark would change any outcome.
    Saves nothing. Raises ValidationError for weights that do not name every component or add up to 100.
    """
    # Raw per-benchmark scores, so single benchmarks can be dropped from the inputs below.
    inputs = standings_inputs(phase=phase, ratio_sums=False)
    labels = {t.consortium_id: t.label for t in inputs.teams}
    try:
        current = pure.compute_standings(inputs)
        table = pure.compute_standings(inputs, weights=weights, cut_count=cut_count)
    except pure.InvalidInputs as exc:
        raise ValidationError(_("Invalid what-if: %(reason)s") % {"reason": exc}, code="what_if") from None
    sensitivity = []
    evaluators = (
        EvaluatorAssignment.objects.filter(phase=phase)
        .values_list("evaluator_id", "evaluator__username")
        .distinct()
        .order_by("evaluator__username")
    )
    for evaluator_id, username in evaluators:
        without = pure.compute_standings(
            standings_inputs(phase=phase, exclude_evaluator_id=evaluator_id, ratio_sums=False),
            weights=weights,
            cut_count=cut_count,
        )
        sensitivity.append(
            Sensitivity(f"evaluator:{username}", _labelled(pure.outcome_changes(table, without), labels))
        )
    for code in sorted({b.code for b in inputs.benchmarks}):
        reduced = replace(inputs, benchmarks=tuple(b for b in inputs.benchmarks if b.code != code))
        without = pure.compute_standings(reduced, weights=weights, cut_count=cut_count)
        sensitivity.append(
            Sensitivity(f"benchmark:{code}", _labelled(pure.outcome_changes(table, without), labels))
        )
    return WhatIf(
        current=current,
        table=table,
        changes=_labelled(pure.outcome_changes(current, table), labels),
        sensitivity=sensitivity,
    )
