"""Celery tasks: thin leaves over the standings services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from evaluations.selectors import phase_ids_with_stale_standings
from evaluations.services.recompute import standings_recompute

logger = logging.getLogger(__name__)


@shared_task(
    name="evaluations.recompute_standings",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=60,
    max_retries=5,
)
def recompute_standings(*, phase_id: int, trigger: str = "change") -> str:
    """Recompute a phase's standings; idempotent (a current snapshot is left alone).

    "busy" ends the task at once, with no retry: the recompute holding the phase's lock re-reads the
    generation after it commits and computes again for every change committed meanwhile (ours included,
    since this task only runs after its change committed). If that holder dies, acks_late redelivers its
    own message, and the beat's reconcile is the last safety net.
    """
    result = standings_recompute(phase_id=phase_id, trigger=trigger)
    logger.info("standings phase=%s status=%s trigger=%s", phase_id, result.status.value, trigger)
    return result.status.value


@shared_task(name="evaluations.reconcile_standings", acks_late=True)
def reconcile_standings() -> list[int]:
    """Beat: re-enqueue every phase whose latest snapshot is older than its inputs (e.g. after a broker
    outage swallowed the on-commit message)."""
    sent = []
    for phase_id in phase_ids_with_stale_standings():
        try:
            recompute_standings.delay(phase_id=phase_id, trigger="reconcile (stale snapshot)")
        except BrokerError as exc:
            logger.warning("reconcile: phase %s not enqueued (%s)", phase_id, exc)
            continue
        sent.append(phase_id)
    return sent
