"""The worker side of the standings: compute a phase's table from its current inputs and store it as a
snapshot, once per input generation. The Celery task runs ``standings_recompute``; finalizing reuses the
lock and the write. Nothing here enqueues work, so the task module can import it without a cycle."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from evaluations import standings as pure
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import standings_inputs

# Keeps our advisory locks apart from other users of pg_advisory_xact_lock (two-key form: class, phase).
_LOCK_CLASS = 0x4B41_5354  # "KAST"


class RecomputeStatus(enum.StrEnum):
    WRITTEN = "written"  # a new snapshot
    CURRENT = "current"  # the latest snapshot already matches the inputs
    SUPERSEDED = "superseded"  # inputs changed while computing; the run for the newer change will write
    BUSY = "busy"  # another recompute of the phase holds the lock
    MISSING = "missing"  # no such phase


@dataclass(frozen=True)
class RecomputeResult:
    status: RecomputeStatus
    # The written or current snapshot; None for the other statuses.
    snapshot: StandingsSnapshot | None = None


def lock_phase_standings(phase_id: int, *, wait: bool) -> bool:
    if connection.vendor == "postgresql":
        fn = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {fn}(%s, %s)", [_LOCK_CLASS, phase_id])
            row = cursor.fetchone()
        return True if wait else bool(row[0])
    # SQLite serialises writers itself; the row lock documents intent (and works on other backends).
    list(Phase.objects.select_for_update().filter(pk=phase_id).values_list("pk", flat=True))
    return True


def snapshot_write(phase: Phase, *, trigger: str, started: float) -> RecomputeResult:
    """Compute from the current inputs and store a snapshot, if still current (caller holds the lock)."""
    generation = phase.standings_generation
    # Only the generation is read here: the previous table (large JSON) is loaded only when it is returned.
    latest = (
        StandingsSnapshot.objects.filter(phase=phase)
        .order_by("-generation")
        .values_list("pk", "generation")
        .first()
    )
    if latest is not None and latest[1] >= generation:
        return RecomputeResult(RecomputeStatus.CURRENT, StandingsSnapshot.objects.get(pk=latest[0]))
    inputs = standings_inputs(phase=phase)
    table = pure.compute_standings(inputs)
    digest = pure.inputs_digest(inputs)
    # Compare-and-set: inputs committed after we read the generation make this table out of date.
    now_generation = Phase.objects.values_list("standings_generation", flat=True).get(pk=phase.pk)
    if now_generation != generation:
        return RecomputeResult(RecomputeStatus.SUPERSEDED)
    snapshot = StandingsSnapshot.objects.create(
        phase=phase,
        generation=generation,
        inputs_hash=digest,
        computed_at=timezone.now(),
        duration_ms=int((time.monotonic() - started) * 1000),
        trigger=trigger[:200],
        table=table.as_rows(),
        cut_count=table.cut_count,
        cut_line_tie=table.cut_line_tie,
    )
    return RecomputeResult(RecomputeStatus.WRITTEN, snapshot)


# How many times one call computes again because inputs moved meanwhile, before leaving the rest to the
# recompute that the newer change enqueued (a bound, so a stream of writes cannot hold a worker forever).
MAX_ROUNDS = 20


def standings_recompute(*, phase_id: int, trigger: str) -> RecomputeResult:
    """Recompute a phase's standings into a new snapshot (what the Celery task runs).

    Idempotent: if the latest snapshot is at the phase's generation nothing is written. Never runs twice
    at once for a phase (advisory lock; a second caller gets ``busy`` and stops).

    The caller that holds the lock keeps going until its snapshot is at the phase's current generation:
    when inputs change while it computes (superseded) or while it holds the lock (the changes' own
    recomputes found the lock busy and stopped), it computes again at once. Under a stream
    of writes this is what keeps the table fresh within one recompute of the last write, instead of
    within a retry back-off.
    Side effects: StandingsSnapshot rows, each written atomically.
    """
    started = time.monotonic()
    result = RecomputeResult(RecomputeStatus.BUSY)
    for _round in range(MAX_ROUNDS):
        with transaction.atomic():
            if not lock_phase_standings(phase_id, wait=False):
                # Another caller holds the lock and will itself catch up with every committed change.
                return result if result.snapshot is not None else RecomputeResult(RecomputeStatus.BUSY)
            phase = Phase.objects.filter(pk=phase_id).first()
            if phase is None:
                return RecomputeResult(RecomputeStatus.MISSING)
            attempt = snapshot_write(phase, trigger=trigger, started=started)
        if attempt.snapshot is not None:
            result = attempt
            generation = (
                Phase.objects.filter(pk=phase_id).values_list("standings_generation", flat=True).first()
            )
            if generation is None or attempt.snapshot.generation >= generation:
                return result
        elif attempt.status != RecomputeStatus.SUPERSEDED:
            return attempt
    return result if result.snapshot is not None else RecomputeResult(RecomputeStatus.SUPERSEDED)
