"""Helpers shared by the evaluations services: locking a phase, guarding roles, and marking the standings
stale (with a recompute enqueued after commit)."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from evaluations import tasks
from evaluations.models import Phase
from evaluations.permissions import can_manage_phase

logger = logging.getLogger(__name__)

# Phases in which each kind of input may still change.
RUBRIC_EDITABLE = (Phase.Status.DRAFT, Phase.Status.OPEN)
UPLOADS_OPEN = (Phase.Status.OPEN,)
SCORING_OPEN = (Phase.Status.OPEN, Phase.Status.EVALUATING)
NOT_FINAL = (Phase.Status.DRAFT, Phase.Status.OPEN, Phase.Status.EVALUATING)


def require_staff(actor) -> None:
    """The services' form of ``can_manage_phase`` (the check the phase pages make)."""
    if not can_manage_phase(actor):
        raise PermissionDenied(_("Only ministry staff can do this."))


def phase_lock(phase: Phase, *, allowed: tuple[str, ...], action: str) -> Phase:
    """Re-read the phase FOR UPDATE and check its status allows ``action``; returns the locked row.

    Every input change takes this lock, so a status change (e.g. finalize) and an edit never interleave.
    FOR NO KEY UPDATE, not FOR UPDATE: nothing here changes the phase's key, and the weaker lock does not
    block the FOR KEY SHARE that inserting a standings snapshot (a foreign key to the phase) takes, so a
    finished recompute never waits for whichever write holds the phase.
    """
    locked = Phase.objects.select_for_update(no_key=True).get(pk=phase.pk)
    if locked.status not in allowed:
        if locked.status == Phase.Status.FINALIZED:
            raise ValidationError(
                _("%(phase)s is finalized and read-only: %(action)s is not possible.")
                % {"phase": locked, "action": action},
                code="phase_finalized",
            )
        raise ValidationError(
            _("%(action)s is not possible while %(phase)s is %(status)s (allowed: %(allowed)s).")
            % {
                "action": action,
                "phase": locked,
                "status": locked.get_status_display(),
                "allowed": ", ".join(str(Phase.Status(s).label) for s in allowed),
            },
            code="phase_status",
        )
    return locked


def standings_inputs_changed(*, phase_id: int, trigger: str) -> None:
    """Mark the phase's standings stale and recompute them after commit.

    Side effects: bumps Phase.standings_generation (F() + 1) in the caller's transaction; on commit
    enqueues ``evaluations.recompute_standings``. A broker outage is logged, never raised: the beat
    task ``evaluations.reconcile_standings`` picks the phase up from its generation.
    """
    Phase.objects.filter(pk=phase_id).update(standings_generation=F("standings_generation") + 1)

    # A named callable, not functools.partial: a robust on_commit logs a failing callback by its
    # __qualname__, which a partial lacks, so the failure would escape as AttributeError after all.
    def enqueue() -> None:
        standings_enqueue(phase_id=phase_id, trigger=trigger)

    transaction.on_commit(enqueue, robust=True)


def standings_enqueue(*, phase_id: int, trigger: str) -> bool:
    """Send a recompute message; returns False (and logs) when the broker cannot be reached."""
    try:
        # ignore_result: nobody waits for the outcome, and with a result backend .delay() first subscribes
        # to the result channel through a client without the broker's socket timeouts: with Redis down or
        # hung that would block (or fail with RuntimeError, not BrokerError) inside the request that saved
        # the change.
        tasks.recompute_standings.apply_async(
            kwargs={"phase_id": phase_id, "trigger": trigger[:200]}, ignore_result=True
        )
    except BrokerError as exc:
        logger.warning(
            "standings recompute for phase %s not enqueued (%s); reconcile will catch up", phase_id, exc
        )
        return False
    return True
