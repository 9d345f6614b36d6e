"""A phase's lifecycle: draft → open → evaluating → finalized, each step a staff action.

``phase_transition_check`` says what a transition would change and what blocks it. The preview page, the
API's preview and the transition services all ask it, so a refusal names exactly the reason the preview
showed. The services take the phase's row lock first and check the status under it: of two concurrent
transitions of one phase the second waits, then finds the status moved and is refused as a conflict
(code ``transition_state``; a blocked transition is ``transition_blocked``: both are HTTP 409).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from common.audit import audit_record, snapshot
from common.models import AuditEvent
from evaluations import standings as pure
from evaluations.models import Phase, PhaseBenchmark, PhaseParticipant, RubricComponent
from evaluations.readiness import InputKind, Readiness, phase_readiness
from evaluations.selectors import missing_item_text, standings_inputs
from evaluations.services._common import require_staff

# The refusal codes of a transition (common.api.exception_handlers answers both with 409).
WRONG_STATE = "transition_state"
BLOCKED = "transition_blocked"


class Transition(enum.StrEnum):
    """Named as the action is in every URL (page and API)."""

    OPEN = "open"
    BEGIN_EVALUATION = "begin-evaluation"
    FINALIZE = "finalize"

    @property
    def from_status(self) -> str:
        return _FROM[self]

    @property
    def to_status(self) -> str:
        return _TO[self]

    @property
    def label(self) -> str:
        return {
            Transition.OPEN: _("Open phase"),
            Transition.BEGIN_EVALUATION: _("Begin evaluation"),
            Transition.FINALIZE: _("Finalize"),
        }[self]


_FROM = {
    Transition.OPEN: Phase.Status.DRAFT,
    Transition.BEGIN_EVALUATION: Phase.Status.OPEN,
    Transition.FINALIZE: Phase.Status.EVALUATING,
}
_TO = {
    Transition.OPEN: Phase.Status.OPEN,
    Transition.BEGIN_EVALUATION: Phase.Status.EVALUATING,
    Transition.FINALIZE: Phase.Status.FINALIZED,
}


def transition_next(*, phase: Phase) -> Transition | None:
    """The one transition that can follow the phase's status (none once finalized)."""
    return next((t for t in Transition if t.from_status == phase.status), None)


@dataclass(frozen=True)
class Blocker:
    message: str
    code: str  # WRONG_STATE or BLOCKED


@dataclass(frozen=True)
class TransitionCheck:
    phase: Phase
    transition: Transition
    changes: list[str]
    blockers: list[Blocker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        return not self.blockers

    @property
    def problems(self) -> list[str]:
        return [b.message for b in self.blockers]

    def refuse_if_blocked(self) -> None:
        """Raise the blockers as one ValidationError (one message each; the wrong state first)."""
        if self.blockers:
            raise ValidationError([ValidationError(b.message, code=b.code) for b in self.blockers])


def _wrong_state(phase: Phase, transition: Transition) -> Blocker | None:
    if phase.status == transition.from_status:
        return None
    if phase.is_finalized:
        # The words every other refused change of a finalized phase uses (services._common.phase_lock).
        actions = {
            Transition.OPEN: _("opening the phase"),
            Transition.BEGIN_EVALUATION: _("starting the evaluation"),
            Transition.FINALIZE: _("finalizing"),
        }
        return Blocker(
            _("%(phase)s is finalized and read-only: %(action)s is not possible.")
            % {"phase": phase, "action": actions[transition]},
            WRONG_STATE,
        )
    texts = {
        Transition.OPEN: _("Only a draft phase can be opened; %(phase)s is %(status)s."),
        Transition.BEGIN_EVALUATION: _(
            "Only an open phase can begin its evaluation; %(phase)s is %(status)s."
        ),
        Transition.FINALIZE: _("Only a phase that is evaluating can be finalized; %(phase)s is %(status)s."),
    }
    return Blocker(texts[transition] % {"phase": phase, "status": phase.get_status_display()}, WRONG_STATE)


def _weights_total(phase: Phase) -> Decimal:
    return sum(RubricComponent.objects.filter(phase=phase).values_list("weight", flat=True), Decimal(0))


def _changes(phase: Phase, transition: Transition) -> list[str]:
    status = _("Status: %(before)s → %(after)s.") % {
        "before": Phase.Status(transition.from_status).label,
        "after": Phase.Status(transition.to_status).label,
    }
    if transition == Transition.OPEN:
        return [
            status,
            _("Members can upload results and assigned evaluators can score."),
            _(
                "The rubric, benchmark set, target models and participants stay editable until the "
                "evaluation begins."
            ),
        ]
    if transition == Transition.BEGIN_EVALUATION:
        return [
            status,
            _("Uploads close: members can no longer upload results for this phase."),
            _(
                "The rubric weights freeze, with the rest of the rubric, the benchmark set, the target "
                "models and the participants."
            ),
            _("Evaluators keep scoring; staff keep deciding gates and entering panel results."),
        ]
    return [
        status,
        _("The standings become official and the phase becomes read-only."),
        _(
            "Each team's outcome is recorded: eliminated and disqualified teams leave the programme and "
            "their budget allocations freeze."
        ),
        _("The advancing teams enter the next phase."),
    ]


def _open_blockers(phase: Phase) -> tuple[list[Blocker], list[str]]:
    blockers, warnings = [], []
    if not PhaseParticipant.objects.filter(phase=phase).exists():
        blockers.append(Blocker(_("The phase has no participants."), BLOCKED))
    if not RubricComponent.objects.filter(phase=phase).exists():
        blockers.append(Blocker(_("The phase has no rubric components."), BLOCKED))
    else:
        total = _weights_total(phase)
        if total != 100:
            warnings.append(
                _("The rubric weights add up to %(total)s, not 100; they must before evaluation begins.")
                % {"total": total}
            )
    if not PhaseBenchmark.objects.filter(phase=phase).exists():
        warnings.append(_("The benchmark set is empty."))
    return blockers, warnings


def _begin_blockers(phase: Phase, readiness: Readiness) -> tuple[list[Blocker], list[str]]:
    blockers, warnings = [], []
    total = _weights_total(phase)
    if total != 100:
        blockers.append(
            Blocker(
                _("The rubric weights add up to %(total)s, not 100; fix them before evaluating.")
                % {"total": total},
                BLOCKED,
            )
        )
    if not readiness.rows:
        blockers.append(Blocker(_("The phase has no participants."), BLOCKED))
    for row, cell in readiness.missing(InputKind.RESULTS):
        if cell.done is None:
            warnings.append(_("%(team)s has uploaded no results; uploads close now.") % {"team": row.name})
        else:
            warnings.append(
                _("%(team)s's results cover %(done)s of %(required)s benchmarks; uploads close now.")
                % {"team": row.name, "done": cell.done, "required": cell.required}
            )
    return blockers, warnings


def _finalize_blockers(rows: Sequence[pure.Row]) -> list[Blocker]:
    blockers = [
        Blocker(
            _("%(team)s is not ranked: %(missing)s.")
            % {"team": row.label, "missing": "; ".join(missing_item_text(m) for m in row.missing)},
            BLOCKED,
        )
        for row in rows
        if row.outcome == pure.Outcome.NOT_RANKED
    ]
    if not rows:
        blockers.append(Blocker(_("The phase has no participants."), BLOCKED))
    return blockers


def phase_transition_check(
    *,
    phase: Phase,
    transition: Transition,
    readiness: Readiness | None = None,
    rows: Sequence[pure.Row] | None = None,
) -> TransitionCheck:
    """What ``transition`` would change for ``phase`` now and what blocks it (reads only).

    Blocked by: the wrong status (always the first blocker); to open: no participants, no rubric
    components (warned: weights not adding up to 100, an empty benchmark set); to begin evaluation:
    weights not adding up to 100, no participants (warned: teams whose results are missing or do not
    cover their benchmark set); to finalize: any team not ranked, no participants. ``readiness`` (begin
    evaluation) and ``rows`` (finalize: the standings rows that would become official) are computed when
    not given.
    """
    wrong = _wrong_state(phase, transition)
    blockers = [wrong] if wrong else []
    warnings: list[str] = []
    if transition == Transition.OPEN:
        more, warnings = _open_blockers(phase)
    elif transition == Transition.BEGIN_EVALUATION:
        more, warnings = _begin_blockers(phase, readiness or phase_readiness(phase=phase))
    else:
        if rows is None:
            rows = pure.compute_standings(standings_inputs(phase=phase)).rows
        more = _finalize_blockers(rows)
    return TransitionCheck(
        phase=phase,
        transition=transition,
        changes=_changes(phase, transition),
        blockers=blockers + more,
        warnings=warnings,
    )


def phase_lock_for_transition(phase: Phase, transition: Transition) -> Phase:
    """Re-read the phase FOR UPDATE and refuse a wrong status with the transition's own message.

    The loser of two concurrent transitions waits here on the row lock, then reads the status the
    winner committed and is refused (WRONG_STATE), never applied twice.
    """
    locked = Phase.objects.select_for_update().get(pk=phase.pk)
    wrong = _wrong_state(locked, transition)
    if wrong is not None:
        raise ValidationError(wrong.message, code=wrong.code)
    return locked


def _status_change(*, locked: Phase, transition: Transition, actor, event: str) -> Phase:
    before = snapshot(locked, ["status"])
    locked.status = transition.to_status
    locked.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        extra={"event": event},
        target=locked,
        before=before,
        after=snapshot(locked, ["status"]),
    )
    return locked


@transaction.atomic
def phase_open(*, phase: Phase, actor) -> Phase:
    """Draft → open: uploads and scoring start.

    Checks: staff; the phase's row lock, then phase_transition_check (a draft with participants and a
    rubric). Side effects: Phase.status; audit event ``phase_open``.
    """
    require_staff(actor)
    locked = phase_lock_for_transition(phase, Transition.OPEN)
    phase_transition_check(phase=locked, transition=Transition.OPEN).refuse_if_blocked()
    return _status_change(locked=locked, transition=Transition.OPEN, actor=actor, event="phase_open")


@transaction.atomic
def phase_begin_evaluation(*, phase: Phase, actor) -> Phase:
    """Open → evaluating: uploads close and the rubric weights freeze (they must add up to 100).

    Checks: staff; the phase's row lock, then phase_transition_check. Side effects: Phase.status; audit
    event ``phase_begin_evaluation``.
    """
    require_staff(actor)
    locked = phase_lock_for_transition(phase, Transition.BEGIN_EVALUATION)
    phase_transition_check(phase=locked, transition=Transition.BEGIN_EVALUATION).refuse_if_blocked()
    return _status_change(
        locked=locked, transition=Transition.BEGIN_EVALUATION, actor=actor, event="phase_begin_evaluation"
    )
