"""An auditor's check that an official standings table follows from its inputs: recompute the table from
the inputs stored now and compare it, and the inputs' fingerprint, with the snapshot's."""

from __future__ import annotations

import json
from dataclasses import dataclass

from evaluations import standings as pure
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import standings_inputs


@dataclass(frozen=True)
class SnapshotVerification:
    phase_code: str
    snapshot_id: int | None
    is_official: bool
    stored_hash: str | None
    recomputed_hash: str
    table_matches: bool

    @property
    def hash_matches(self) -> bool:
        return self.stored_hash == self.recomputed_hash

    @property
    def ok(self) -> bool:
        return self.snapshot_id is not None and self.hash_matches and self.table_matches


def standings_snapshot_verify(*, phase: Phase) -> SnapshotVerification:
    """Recompute ``phase``'s standings from its stored inputs and compare them with its official snapshot
    (the latest one while the phase is not finalized). Reads only; writes nothing."""
    snapshot = (
        StandingsSnapshot.objects.filter(phase=phase)
        .order_by("-is_official", "-generation", "-id")
        .only("pk", "is_official", "inputs_hash", "table")
        .first()
    )
    inputs = standings_inputs(phase=phase)
    recomputed_hash = pure.inputs_digest(inputs)
    # The stored table went through JSON; compare the recomputed one the same way.
    recomputed_table = json.loads(json.dumps(pure.compute_standings(inputs).as_rows()))
    return SnapshotVerification(
        phase_code=phase.code,
        snapshot_id=snapshot.pk if snapshot else None,
        is_official=bool(snapshot and snapshot.is_official),
        stored_hash=snapshot.inputs_hash if snapshot else None,
        recomputed_hash=recomputed_hash,
        table_matches=snapshot is not None and snapshot.table == recomputed_table,
    )
