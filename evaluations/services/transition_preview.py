"""What a transition preview shows (the page and the API): the check, the readiness grid and, for
finalize, the standings that would become official. Reads only."""

from __future__ import annotations

from dataclasses import dataclass

from evaluations.models import Phase
from evaluations.readiness import Readiness, phase_readiness
from evaluations.services.lifecycle import Transition, TransitionCheck, phase_transition_check
from evaluations.services.standings import FinalizePreview, phase_finalize_preview


@dataclass(frozen=True)
class TransitionPreview:
    check: TransitionCheck
    readiness: Readiness
    finalize: FinalizePreview | None  # the outcomes, for the finalize transition only


def phase_transition_preview(*, phase: Phase, transition: Transition) -> TransitionPreview:
    """The transition's check (the one its service refuses with) and the phase's readiness grid."""
    readiness = phase_readiness(phase=phase)
    if transition == Transition.FINALIZE:
        finalize = phase_finalize_preview(phase=phase)
        return TransitionPreview(check=finalize.check, readiness=readiness, finalize=finalize)
    check = phase_transition_check(phase=phase, transition=transition, readiness=readiness)
    return TransitionPreview(check=check, readiness=readiness, finalize=None)
