"""Survival standings of one phase, as pure functions of frozen inputs (no Django, no database).

* ``types``: the enums, the inputs (``PhaseInputs``) and the ranked ``Table`` of ``Row``s, with the
  JSON form a snapshot stores (``Row.as_dict`` / ``Row.from_dict``);
* ``compute``: ``compute_standings`` and its rules;
* ``digest``: ``inputs_digest``, the fingerprint stored with each snapshot.

Import from this package; the modules are its layout, not its interface.
"""

from evaluations.standings.compute import (
    POINTS_PLACES,
    RATIO_PLACES,
    benchmark_ratio,
    check_weights,
    compute_standings,
    outcome_changes,
)
from evaluations.standings.digest import inputs_digest
from evaluations.standings.types import (
    BenchmarkSpec,
    Component,
    ComponentPoints,
    Criterion,
    GateDecision,
    InvalidInputs,
    Missing,
    MissingItem,
    Outcome,
    OutcomeChange,
    PhaseInputs,
    RatioSum,
    Row,
    RowJSON,
    Source,
    Table,
    Team,
)

__all__ = [
    "POINTS_PLACES",
    "RATIO_PLACES",
    "BenchmarkSpec",
    "Component",
    "ComponentPoints",
    "Criterion",
    "GateDecision",
    "InvalidInputs",
    "Missing",
    "MissingItem",
    "Outcome",
    "OutcomeChange",
    "PhaseInputs",
    "RatioSum",
    "Row",
    "RowJSON",
    "Source",
    "Table",
    "Team",
    "benchmark_ratio",
    "check_weights",
    "compute_standings",
    "inputs_digest",
    "outcome_changes",
]
