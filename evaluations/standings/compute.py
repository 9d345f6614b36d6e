"""Survival standings of one phase: a pure function from frozen inputs to a ranked table.

Selectors build ``PhaseInputs`` from the database; the recompute service stores
``compute_standings(...).as_rows()`` in a snapshot; the what-if view calls the same function with other
weights or cut counts.

Rules (they reproduce the phase-1 outcome of 2026-01-15):

* A component's points are ``weight × earned / scale``, rounded to 0.01 (half up); a team's total is the
  sum of its rounded component points, so the table adds up as printed.
* Where the points come from is the component's source: benchmark results (frontier ratio against the
  team's declared target model), evaluators' submitted score sheets (mean per criterion), or a panel
  result entered by staff (per criterion, or one figure for the whole component).
* A benchmark criterion earns ``max_points × min(mean ratio of its benchmark group, 1)``; the frontier
  ratio is the mean over the team's whole set (uncapped) and meets the threshold when ≥ it. Ratios are
  ``benchmark_ratio`` (team score / reference score, inverted when lower is better); they may arrive
  already summed per group (``RatioSum``, added up in SQL by the same rule) for teams with no gaps.
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

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from evaluations.standings.types import (
    BenchmarkSpec,
    Component,
    ComponentPoints,
    GateDecision,
    InvalidInputs,
    Missing,
    MissingItem,
    Outcome,
    OutcomeChange,
    PhaseInputs,
    Row,
    Source,
    Table,
    Team,
)

POINTS_PLACES = Decimal("0.01")
RATIO_PLACES = Decimal("0.0001")
HUNDRED = Decimal("100")


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
    """Team score relative to the reference (1 = equal). None when it cannot be formed (a zero).

    The one Python statement of the frontier-ratio rule; ``evaluations.selectors`` adds the same ratios
    up in SQL, and a test runs both on the same rows."""
    if higher_is_better:
        return None if reference == 0 else score / reference
    return None if score == 0 else reference / score


class _Layout:
    """The benchmark set one team is measured on, grouped (shared by every team with the same set)."""

    __slots__ = ("specs", "codes", "by_group")

    def __init__(self, specs: list[BenchmarkSpec]) -> None:
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

    def __init__(self, layout: _Layout, team: Team) -> None:
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
                ratio = benchmark_ratio(
                    score=score, reference=reference, higher_is_better=spec.higher_is_better
                )
                if ratio is not None:
                    ratios[code] = ratio
                    continue
            reasons: list[MissingItem] = []
            if score is None:
                reasons.append(MissingItem(Missing.BENCHMARK_RESULT, code))
            # A zero on either side leaves no usable ratio; it is reported against the reference score.
            if reference is None or score is not None:
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
        present = [v for v in values if v is not None]
        if not values or len(present) < len(values):
            return None, [
                MissingItem(Missing.SHEETS_NOT_SUBMITTED, f"{team.sheets_submitted}/{team.sheets_assigned}")
            ]
        return sum(present, Decimal(0)), missing
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


@dataclass(frozen=True, slots=True)
class _Scored:
    """One team's points before ranking."""

    team: Team
    points: tuple[ComponentPoints, ...]
    total: Decimal | None
    frontier_ratio: Decimal | None
    meets_frontier_threshold: bool | None
    gates: tuple[GateDecision, ...]
    missing: tuple[MissingItem, ...]


def _score(
    team: Team, view: _BenchmarkView, components: tuple[Component, ...], inputs: PhaseInputs
) -> _Scored:
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
    gates = tuple(GateDecision(key, team.gates.get(key)) for key in inputs.gates)
    missing.extend(MissingItem(Missing.GATE_DECISION, g.key) for g in gates if g.passed is None)
    total = None if missing else sum((p.points for p in points if p.points is not None), Decimal(0))
    frontier = _frontier(view, team)
    return _Scored(
        team=team,
        points=tuple(points),
        total=total,
        frontier_ratio=frontier,
        meets_frontier_threshold=None if frontier is None else frontier >= inputs.frontier_threshold,
        gates=gates,
        missing=tuple(_dedupe(missing)),
    )


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
        scored.append(_score(team, _BenchmarkView(layout, team), components, inputs))

    ranked = sorted(
        ((s.total, s) for s in scored if s.total is not None),
        key=lambda pair: (-pair[0], pair[1].team.label, pair[1].team.consortium_id),
    )
    n_ranked = len(ranked)
    cut = max(0, n_ranked - inputs.teams_advancing) if cut_count is None else min(cut_count, n_ranked)
    places = n_ranked - cut
    ranks: dict[int, int] = {}
    previous_total: Decimal | None = None
    rank = 0
    for position, (total, entry) in enumerate(ranked, start=1):
        if total != previous_total:
            rank, previous_total = position, total
        ranks[entry.team.consortium_id] = rank
    eliminated = sum(1 for r in ranks.values() if r > places)

    rows = []
    for s in scored:
        rank_of = ranks.get(s.team.consortium_id)
        if rank_of is None:
            outcome = Outcome.NOT_RANKED
        elif any(g.passed is False for g in s.gates):
            outcome = Outcome.DISQUALIFIED_BY_GATE
        elif rank_of > places:
            outcome = Outcome.ELIMINATED_ON_POINTS
        else:
            outcome = Outcome.ADVANCES
        rows.append(
            Row(
                consortium_id=s.team.consortium_id,
                label=s.team.label,
                components=s.points,
                total=s.total,
                frontier_ratio=s.frontier_ratio,
                meets_frontier_threshold=s.meets_frontier_threshold,
                gates=s.gates,
                rank=rank_of,
                outcome=outcome,
                missing=s.missing,
            )
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.label, r.consortium_id))
    return Table(
        rows=tuple(rows),
        ranked=n_ranked,
        cut_count=cut,
        teams_advancing=inputs.teams_advancing,
        cut_line_tie=eliminated < cut,
        weights={c.key: c.weight for c in components},
    )


def outcome_changes(before: Table, after: Table) -> list[OutcomeChange]:
    """Every team whose outcome differs between the two tables, by consortium id."""
    old = before.outcomes()
    return [
        OutcomeChange(cid, old[cid], new)
        for cid, new in sorted(after.outcomes().items())
        if cid in old and old[cid] != new
    ]
