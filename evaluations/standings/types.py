"""The vocabulary of the standings: enums, the frozen inputs, and the ranked table with its stored form.

A snapshot keeps its table as JSON (``Row.as_dict``); ``Row.from_dict`` is the only reader of that
JSON, so the dashboard, the phase page, the exports and the API all see the same typed rows.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypedDict


class Source(enum.StrEnum):
    """Where a rubric component's points come from."""

    BENCHMARKS = "benchmarks"
    EVALUATORS = "evaluators"
    PANEL = "panel"


class Outcome(enum.StrEnum):
    """What a phase's standings decide for one team (and, once finalized, its official outcome)."""

    ADVANCES = "advances"
    ELIMINATED_ON_POINTS = "eliminated_on_points"
    DISQUALIFIED_BY_GATE = "disqualified_by_gate"
    NOT_RANKED = "not_ranked"


class Missing(enum.StrEnum):
    """Kinds of missing data; the interface layer turns (kind, subject) into a translated sentence."""

    PANEL_RESULT = "panel_result"  # subject: component or component/criterion
    NO_EVALUATORS = "no_evaluators"  # subject: component
    SHEETS_NOT_SUBMITTED = "sheets_not_submitted"  # subject: "submitted/assigned"
    NO_TARGET_MODEL = "no_target_model"
    BENCHMARK_RESULT = "benchmark_result"  # subject: benchmark code
    REFERENCE_SCORE = "reference_score"  # subject: benchmark code
    NO_BENCHMARKS = "no_benchmarks"  # subject: component/criterion
    GATE_DECISION = "gate_decision"  # subject: gate key


class InvalidInputs(ValueError):
    """The inputs cannot be ranked at all (bad weights, negative cut count)."""


# --- inputs ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Criterion:
    key: str
    max_points: Decimal
    # For benchmark-sourced components: which group of the phase's benchmark set feeds this criterion.
    benchmark_group: str = ""


@dataclass(frozen=True, slots=True)
class Component:
    key: str
    weight: Decimal
    source: Source
    # Raw scale of the inputs: the sum of the criteria maxima, or, with no criteria, the points a
    # component-level panel figure is measured on. Kept apart from the weight so what-if weights rescale.
    scale: Decimal
    criteria: tuple[Criterion, ...] = ()


@dataclass(frozen=True, slots=True)
class BenchmarkSpec:
    code: str
    group: str
    higher_is_better: bool = True
    # Set for team-specific benchmarks: only this team is measured on it.
    consortium_id: int | None = None


@dataclass(frozen=True, slots=True)
class RatioSum:
    """The sum and number of a team's per-benchmark ratios in one group, as the database added them up."""

    total: Decimal
    count: int


@dataclass(frozen=True, slots=True)
class Team:
    consortium_id: int
    label: str
    target_model: str = ""
    benchmark_scores: Mapping[str, Decimal] = field(default_factory=dict)
    reference_scores: Mapping[str, Decimal] = field(default_factory=dict)
    # Benchmark group -> ratios already added up (by PostgreSQL, for a team with every result and
    # reference score). When given it is used instead of benchmark_scores/reference_scores and must
    # cover each whole group; a team with gaps is given as scores, so the missing benchmarks are named.
    benchmark_ratio_sums: Mapping[str, RatioSum] = field(default_factory=dict)
    # "component/criterion" -> mean of the submitted sheets' points.
    evaluator_points: Mapping[str, Decimal] = field(default_factory=dict)
    sheets_assigned: int = 0
    sheets_submitted: int = 0
    # "component" (whole component) or "component/criterion" -> points entered by staff.
    panel_points: Mapping[str, Decimal] = field(default_factory=dict)
    # gate key -> passed; an absent key means not decided yet.
    gates: Mapping[str, bool] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PhaseInputs:
    components: tuple[Component, ...]
    gates: tuple[str, ...]
    benchmarks: tuple[BenchmarkSpec, ...]
    teams: tuple[Team, ...]
    teams_advancing: int
    frontier_threshold: Decimal = Decimal("0.95")


# --- the table ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MissingItem:
    kind: Missing
    subject: str = ""


@dataclass(frozen=True, slots=True)
class ComponentPoints:
    key: str
    weight: Decimal
    points: Decimal | None


@dataclass(frozen=True, slots=True)
class GateDecision:
    key: str
    passed: bool | None  # None: not decided yet


class ComponentPointsJSON(TypedDict):
    key: str
    weight: str
    points: str | None


class GateJSON(TypedDict):
    key: str
    passed: bool | None


class MissingJSON(TypedDict):
    kind: str
    subject: str


class RowJSON(TypedDict):
    """One row of a snapshot's stored table (numbers as text, so they keep their places exactly)."""

    consortium_id: int
    label: str
    components: list[ComponentPointsJSON]
    total: str | None
    frontier_ratio: str | None
    meets_frontier_threshold: bool | None
    gates: list[GateJSON]
    rank: int | None
    outcome: str
    missing: list[MissingJSON]


@dataclass(frozen=True, slots=True)
class Row:
    consortium_id: int
    label: str
    components: tuple[ComponentPoints, ...]
    total: Decimal | None
    frontier_ratio: Decimal | None
    meets_frontier_threshold: bool | None
    gates: tuple[GateDecision, ...]
    rank: int | None
    outcome: Outcome
    missing: tuple[MissingItem, ...] = ()

    @property
    def points_by_component(self) -> dict[str, Decimal | None]:
        return {c.key: c.points for c in self.components}

    @property
    def passed_by_gate(self) -> dict[str, bool | None]:
        return {g.key: g.passed for g in self.gates}

    @property
    def ranked_but_ineligible(self) -> bool:
        """Failed a gate yet ranked: failing a gate does not take a team out of the ranking."""
        return self.outcome == Outcome.DISQUALIFIED_BY_GATE and self.rank is not None

    def as_dict(self) -> RowJSON:
        return {
            "consortium_id": self.consortium_id,
            "label": self.label,
            "components": [
                {"key": c.key, "weight": str(c.weight), "points": _text(c.points)} for c in self.components
            ],
            "total": _text(self.total),
            "frontier_ratio": _text(self.frontier_ratio),
            "meets_frontier_threshold": self.meets_frontier_threshold,
            "gates": [{"key": g.key, "passed": g.passed} for g in self.gates],
            "rank": self.rank,
            "outcome": self.outcome.value,
            "missing": [{"kind": m.kind.value, "subject": m.subject} for m in self.missing],
        }

    @classmethod
    def from_dict(cls, data: RowJSON) -> Row:
        """The row ``as_dict`` stored. Raises KeyError or ValueError for anything else."""
        return cls(
            consortium_id=data["consortium_id"],
            label=data["label"],
            components=tuple(
                ComponentPoints(c["key"], Decimal(c["weight"]), _decimal(c["points"]))
                for c in data["components"]
            ),
            total=_decimal(data["total"]),
            frontier_ratio=_decimal(data["frontier_ratio"]),
            meets_frontier_threshold=data["meets_frontier_threshold"],
            gates=tuple(GateDecision(g["key"], g["passed"]) for g in data["gates"]),
            rank=data["rank"],
            outcome=Outcome(data["outcome"]),
            missing=tuple(MissingItem(Missing(m["kind"]), m.get("subject", "")) for m in data["missing"]),
        )


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[Row, ...]
    ranked: int
    cut_count: int
    teams_advancing: int
    # True when teams tied on the cut line all stayed, so fewer than cut_count were eliminated.
    cut_line_tie: bool
    # Component key -> the weight the table was computed with, in rubric order.
    weights: Mapping[str, Decimal]

    @property
    def complete(self) -> bool:
        return all(row.outcome != Outcome.NOT_RANKED for row in self.rows)

    def outcomes(self) -> dict[int, Outcome]:
        return {row.consortium_id: row.outcome for row in self.rows}

    def as_rows(self) -> list[RowJSON]:
        return [row.as_dict() for row in self.rows]


@dataclass(frozen=True, slots=True)
class OutcomeChange:
    consortium_id: int
    before: Outcome
    after: Outcome


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)
