"""Survival standings of one phase: a pure function from frozen inputs to a ranked table.

Nothing here imports Django. Selectors build ``PhaseInputs`` from the database; the recompute service
stores ``compute_standings(...).as_rows()`` in a snapshot; the what-if view calls the same function with
other weights or cut counts. Tests run without a database.

Rules (they reproduce the phase-1 outcome of 2026-01-15):

* A component's points are ``weight × earned / scale``, rounded to 0.01 (half up); a team's total is the
  sum of its rounded component points, so the table adds up as printed.
* Where the points come from is the component's source: benchmark results (frontier ratio against the
  team's declared target model), evaluators' submitted score sheets (mean per criterion), or a panel
  result entered by staff (per criterion, or one figure for the whole component).
* A benchmark criterion earns ``max_points × min(mean ratio of its benchmark group, 1)``; the frontier
  ratio is the mean over the team's whole set (uncapped) and meets the threshold when ≥ it. Ratios are
  team score / reference score (inverted when lower is better); they may arrive already summed per group
  (``RatioSum``, from PostgreSQL) for teams with no gaps.
* Missing data is never zero: a team missing any component's data, or any gate decision, is
  ``not_ranked`` and the missing items are listed.
* Every team with complete data is ranked by total; equal totals share a rank (1, 2, 2, 4), listed by
  label. Gate failures are ranked too ("ranked but ineligible").
* ``cut_count`` = ranked teams − ``teams_advancing`` (never below 0) unless given. A ranked team is
  ``eliminated_on_points`` when its rank is greater than ``ranked − cut_count``. Teams tied across that
  line all stay (so fewer than ``cut_count`` may be cut; ``cut_line_tie`` says so).
* Independently, a team that failed any gate is ``disqualified_by_gate``, whatever its points; it does
  not free a place for the next team (phase 1: two left where one cut was planned).
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

POINTS_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
HUNDRED = Decimal("100")


class Source(enum.StrEnum):
    BENCHMARKS = "benchmarks"
    EVALUATORS = "evaluators"
    PANEL = "panel"


class Outcome(enum.StrEnum):
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
class Row:
    consortium_id: int
    label: str
    components: tuple[ComponentPoints, ...]
    total: Decimal | None
    frontier_ratio: Decimal | None
    meets_frontier_threshold: bool | None
    gates: tuple[tuple[str, bool | None], ...]
    rank: int | None
    outcome: Outcome
    missing: tuple[MissingItem, ...] = ()

    def as_dict(self) -> dict:
        return {
            "consortium_id": self.consortium_id,
            "label": self.label,
            "components": [
                {"key": c.key, "weight": _s(c.weight), "points": _s(c.points)} for c in self.components
            ],
            "total": _s(self.total),
            "frontier_ratio": _s(self.frontier_ratio),
            "meets_frontier_threshold": self.meets_frontier_threshold,
            "gates": [{"key": key, "passed": passed} for key, passed in self.gates],
            "rank": self.rank,
            "outcome": self.outcome.value,
            "missing": [{"kind": m.kind.value, "subject": m.subject} for m in self.missing],
        }


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[Row, ...]
    ranked: int
    cut_count: int
    teams_advancing: int
    # True when teams tied on the cut line all stayed, so fewer than cut_count were eliminated.
    cut_line_tie: bool
    weights: tuple[tuple[str, Decimal], ...]

    @property
    def complete(self) -> bool:
        return all(row.outcome != Outcome.NOT_RANKED for row in self.rows)

    def outcomes(self) -> dict[int, Outcome]:
        return {row.consortium_id: row.outcome for row in self.rows}

    def as_rows(self) -> list[dict]:
        return [row.as_dict() for row in self.rows]


def _s(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _round(value: Decimal, places: Decimal = POINTS_PLACES) -> Decimal:
    return value.quantize(places, rounding=ROUND_HALF_UP)


def check_weights(weights: Mapping[str, Decimal], component_keys: tuple[str, ...]) -> None:
    if set(weights) != set(component_keys):
        raise InvalidInputs(
            f"weights must name exactly the components {sorted(component_keys)}, got {sorted(weights)}"
        )
    if any(w < 0 for w in weights.values()):
        raise InvalidInputs("weights cannot be negative")
    if sum(weights.values(), Decimal(0)) != HUNDRED:
        raise InvalidInputs(f"weights must add up to 100, got {sum(weights.values(), Decimal(0))}")


def benchmark_ratio(*, score: Decimal, reference: Decimal, higher_is_better: bool) -> Decimal | None:
    """Team score relative to the reference (1 = equal). None when it cannot be formed (a zero)."""
    if higher_is_better:
        return None if reference == 0 else score / reference
    return None if score == 0 else reference / score


class _Layout:
    """The benchmark set one team is measured on, grouped (shared by every team with the same set)."""

    __slots__ = ("specs", "codes", "by_group")

    def __init__(self, specs: list[BenchmarkSpec]):
        self.specs = specs
        self.codes = [spec.code for spec in specs]
        self.by_group: dict[str, list[str]] = {}
        for spec in specs:
            self.by_group.setdefault(spec.group, []).append(spec.code)
        if len(self.by_group) == 1:
            # One group: the same list object as the whole set, so its mean is computed once.
            self.by_group = {group: self.codes for group in self.by_group}


class _BenchmarkView:
    """One team's benchmark ratios, computed once and shared by the criteria and the frontier ratio."""

    __slots__ = ("layout", "ratios", "missing", "sums", "_means")

    def __init__(self, layout: _Layout, team: Team):
        self.layout = layout
        self.ratios: dict[str, Decimal] = {}
        self.missing: dict[str, list[MissingItem]] = {}
        self.sums = team.benchmark_ratio_sums
        self._means: dict[str | None, Decimal] = {}
        if self.sums:
            self._check_sums(team)
            return
        if not team.target_model:
            return
        scores, references, ratios = team.benchmark_scores, team.reference_scores, self.ratios
        for spec in layout.specs:
            code = spec.code
            score, reference = scores.get(code), references.get(code)
            if score is not None and reference is not None:
                if spec.higher_is_better:
                    ratio = score / reference if reference else None
                else:
                    ratio = reference / score if score else None
                if ratio is not None:
                    ratios[code] = ratio
                    continue
            reasons = []
            if score is None:
                reasons.append(MissingItem(Missing.BENCHMARK_RESULT, code))
            if reference is None or (score is not None and ratio is None):
                reasons.append(MissingItem(Missing.REFERENCE_SCORE, code))
            self.missing[code] = reasons

    def _check_sums(self, team: Team) -> None:
        expected = {group: len(codes) for group, codes in self.layout.by_group.items()}
        given = {group: ratio_sum.count for group, ratio_sum in self.sums.items()}
        if given != expected:
            raise InvalidInputs(f"{team.label}: ratio sums cover {given}, the benchmark set has {expected}")

    def mean(self, group: str | None, team: Team, missing: list[MissingItem]) -> Decimal | None:
        """Mean ratio over a group (None: the whole set), or None (with the reasons appended) when any
        ratio is unavailable."""
        if not team.target_model:
            missing.append(MissingItem(Missing.NO_TARGET_MODEL))
            return None
        codes = self.layout.codes if group is None else self.layout.by_group[group]
        if self.missing:
            gaps = [item for code in codes for item in self.missing.get(code, ())]
            if gaps:
                missing.extend(gaps)
                return None
        cached = self._means.get(group)
        if cached is None:
            if self.sums:
                parts = list(self.sums.values()) if group is None else [self.sums[group]]
                cached = sum((p.total for p in parts), Decimal(0)) / sum(p.count for p in parts)
            else:
                cached = _mean([self.ratios[code] for code in codes])
            self._means[group] = cached
        return cached


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _component_earned(
    view: _BenchmarkView, team: Team, component: Component
) -> tuple[Decimal | None, list[MissingItem]]:
    missing: list[MissingItem] = []
    if component.source == Source.PANEL:
        whole = team.panel_points.get(component.key)
        if whole is not None:
            return whole, missing
        if not component.criteria:
            return None, [MissingItem(Missing.PANEL_RESULT, component.key)]
        earned = Decimal(0)
        for criterion in component.criteria:
            value = team.panel_points.get(f"{component.key}/{criterion.key}")
            if value is None:
                missing.append(MissingItem(Missing.PANEL_RESULT, f"{component.key}/{criterion.key}"))
            else:
                earned += value
        return (None if missing else earned), missing
    if component.source == Source.EVALUATORS:
        if team.sheets_assigned == 0:
            return None, [MissingItem(Missing.NO_EVALUATORS, component.key)]
        if team.sheets_submitted < team.sheets_assigned:
            return None, [
                MissingItem(Missing.SHEETS_NOT_SUBMITTED, f"{team.sheets_submitted}/{team.sheets_assigned}")
            ]
        values = [team.evaluator_points.get(f"{component.key}/{c.key}") for c in component.criteria]
        if not values or any(v is None for v in values):
            return None, [
                MissingItem(Missing.SHEETS_NOT_SUBMITTED, f"{team.sheets_submitted}/{team.sheets_assigned}")
            ]
        return sum(values, Decimal(0)), missing
    # Benchmarks: each criterion earns max × min(mean ratio of its group, 1).
    earned = Decimal(0)
    for criterion in component.criteria:
        codes = view.layout.by_group.get(criterion.benchmark_group)
        if not codes:
            missing.append(MissingItem(Missing.NO_BENCHMARKS, f"{component.key}/{criterion.key}"))
            continue
        ratio = view.mean(criterion.benchmark_group, team, missing)
        if ratio is not None:
            earned += criterion.max_points * min(ratio, Decimal(1))
    if not component.criteria:
        missing.append(MissingItem(Missing.NO_BENCHMARKS, component.key))
    return (None if missing else earned), _dedupe(missing)


def _dedupe(items: list[MissingItem]) -> list[MissingItem]:
    return list(dict.fromkeys(items))


def _frontier(view: _BenchmarkView, team: Team) -> Decimal | None:
    if not view.layout.codes:
        return None
    ratio = view.mean(None, team, [])
    return None if ratio is None else _round(ratio, RATIO_PLACES)


def compute_standings(
    inputs: PhaseInputs, *, weights: Mapping[str, Decimal] | None = None, cut_count: int | None = None
) -> Table:
    """Rank the phase. ``weights`` (component key -> points, adding up to 100) and ``cut_count``
    override the rubric's weights and the phase's rule, for what-if views; nothing else changes."""
    keys = tuple(c.key for c in inputs.components)
    components = inputs.components
    if weights is not None:
        check_weights(weights, keys)
        components = tuple(replace(c, weight=Decimal(weights[c.key])) for c in components)
    if cut_count is not None and cut_count < 0:
        raise InvalidInputs("the cut count cannot be negative")

    shared = [b for b in inputs.benchmarks if b.consortium_id is None]
    own: dict[int, list[BenchmarkSpec]] = {}
    for b in inputs.benchmarks:
        if b.consortium_id is not None:
            own.setdefault(b.consortium_id, []).append(b)
    shared_layout = _Layout(shared)
    scored = []
    for team in inputs.teams:
        layout = _Layout(shared + own[team.consortium_id]) if team.consortium_id in own else shared_layout
        view = _BenchmarkView(layout, team)
        points: list[ComponentPoints] = []
        missing: list[MissingItem] = []
        for component in components:
            earned, reasons = _component_earned(view, team, component)
            missing.extend(reasons)
            value = (
                None
                if earned is None or component.scale == 0
                else _round(component.weight * earned / component.scale)
            )
            points.append(ComponentPoints(component.key, component.weight, value))
        gates = tuple((key, team.gates.get(key)) for key in inputs.gates)
        missing.extend(MissingItem(Missing.GATE_DECISION, key) for key, passed in gates if passed is None)
        total = None if missing else sum((p.points for p in points), Decimal(0))
        frontier = _frontier(view, team)
        meets = None if frontier is None else frontier >= inputs.frontier_threshold
        scored.append((team, tuple(points), total, frontier, meets, gates, tuple(_dedupe(missing))))

    ranked = sorted(
        (s for s in scored if s[2] is not None), key=lambda s: (-s[2], s[0].label, s[0].consortium_id)
    )
    n_ranked = len(ranked)
    cut = max(0, n_ranked - inputs.teams_advancing) if cut_count is None else min(cut_count, n_ranked)
    places = n_ranked - cut
    ranks: dict[int, int] = {}
    previous_total, rank = None, 0
    for position, entry in enumerate(ranked, start=1):
        if entry[2] != previous_total:
            rank, previous_total = position, entry[2]
        ranks[entry[0].consortium_id] = rank
    eliminated = sum(1 for r in ranks.values() if r > places)

    rows = []
    for team, points, total, frontier, meets, gates, missing in scored:
        rank_of = ranks.get(team.consortium_id)
        if rank_of is None:
            outcome = Outcome.NOT_RANKED
        elif any(passed is False for _key, passed in gates):
            outcome = Outcome.DISQUALIFIED_BY_GATE
        elif rank_of > places:
            outcome = Outcome.ELIMINATED_ON_POINTS
        else:
            outcome = Outcome.ADVANCES
        rows.append(
            Row(
                team.consortium_id,
                team.label,
                points,
                total,
                frontier,
                meets,
                gates,
                rank_of,
                outcome,
                missing,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.label, r.consortium_id))
    return Table(
        rows=tuple(rows),
        ranked=n_ranked,
        cut_count=cut,
        teams_advancing=inputs.teams_advancing,
        cut_line_tie=eliminated < cut,
        weights=tuple((c.key, c.weight) for c in components),
    )


def outcome_changes(before: Table, after: Table) -> list[tuple[int, Outcome, Outcome]]:
    """(consortium_id, outcome before, outcome after) for every team whose outcome differs."""
    old = before.outcomes()
    return sorted(
        (cid, old[cid], new) for cid, new in after.outcomes().items() if cid in old and old[cid] != new
    )


def _plain(value):
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):
        return _number(value)
    return value


def _number(value: Decimal) -> str:
    """Canonical text of a number: 9.20 and 9.2 read the same (cheap path for the usual plain form)."""
    text = str(value)
    if "E" in text:
        return format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def inputs_digest(inputs: PhaseInputs) -> str:
    """sha256 of the canonical JSON of the inputs: equal inputs, equal digest, whatever their order.

    Teams are hashed one by one and mappings shared between teams (the same target model's reference
    scores) are serialised once; the digest is still a function of the values only. Numbers must be
    Decimals (as everywhere in these inputs).
    """
    digest = hashlib.sha256()
    head = {
        "components": _plain(inputs.components),
        "gates": list(inputs.gates),
        "benchmarks": sorted(
            (_plain(b) for b in inputs.benchmarks), key=lambda b: (b["code"], b["consortium_id"] or 0)
        ),
        "teams_advancing": inputs.teams_advancing,
        "frontier_threshold": _number(inputs.frontier_threshold),
    }
    digest.update(json.dumps(head, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())
    memo: dict[int, tuple[Mapping, str]] = {}

    def mapping(m: Mapping, numbers: bool = True) -> str:
        cached = memo.get(id(m))
        if cached is None or cached[0] is not m:
            # normalize() gives equal numbers one text (9.20 and 9.2 both "9.2"; 100 is "1E+2").
            keys = sorted(m)
            values = map(m.__getitem__, keys)
            if numbers and m and isinstance(next(iter(m.values())), RatioSum):
                values, numbers = (f"{v.total.normalize()}/{v.count}" for v in values), False
            # Unit/record separators cannot occur in benchmark codes or rubric keys.
            text = (
                "\x1f".join(keys)
                + "\x1e"
                + "\x1f".join(map(str, map(Decimal.normalize, values) if numbers else values))
            )
            cached = memo[id(m)] = (m, text)
        return cached[1]

    for team in sorted(inputs.teams, key=lambda t: t.consortium_id):
        digest.update(b"\n")
        digest.update(
            json.dumps(
                [
                    team.consortium_id,
                    team.label,
                    team.target_model,
                    team.sheets_assigned,
                    team.sheets_submitted,
                ],
                separators=(",", ":"),
                ensure_ascii=False,
            ).encode()
        )
        parts = (
            team.benchmark_scores,
            team.reference_scores,
            team.benchmark_ratio_sums,
            team.evaluator_points,
            team.panel_points,
        )
        for part in parts:
            digest.update(b"|")
            digest.update(mapping(part).encode())
        digest.update(b"|")
        digest.update(mapping(team.gates, numbers=False).encode())
    return digest.hexdigest()
