"""The pure standings function: no database, table-driven."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import pytest

from evaluations.standings import (
    BenchmarkSpec,
    Component,
    Criterion,
    InvalidInputs,
    Missing,
    MissingItem,
    Outcome,
    OutcomeChange,
    PhaseInputs,
    RatioSum,
    Source,
    Team,
    benchmark_ratio,
    compute_standings,
    inputs_digest,
    outcome_changes,
)

A, E, P, R = Outcome.ADVANCES, Outcome.ELIMINATED_ON_POINTS, Outcome.DISQUALIFIED_BY_GATE, Outcome.NOT_RANKED

PANEL_ONLY = (
    Component("expert", D(60), Source.PANEL, D(60)),
    Component("user", D(40), Source.PANEL, D(40)),
)


def team(
    cid: int,
    expert: str | None,
    user: str | None = "0",
    *,
    gate: bool | None = True,
    label: str | None = None,
) -> Team:
    points = {}
    if expert is not None:
        points["expert"] = D(expert)
    if user is not None:
        points["user"] = D(user)
    return Team(
        cid, label or f"T{cid}", panel_points=points, gates={} if gate is None else {"originality": gate}
    )


def inputs(
    *teams: Team, advancing: int, components=PANEL_ONLY, gates=("originality",), benchmarks=()
) -> PhaseInputs:
    return PhaseInputs(
        components=components, gates=gates, benchmarks=benchmarks, teams=teams, teams_advancing=advancing
    )


def summary(table) -> list[tuple[str, int | None, Outcome]]:
    return [(row.label, row.rank, row.outcome) for row in table.rows]


@pytest.mark.parametrize(
    ("teams", "advancing", "expected", "cut_line_tie"),
    [
        pytest.param(
            [team(1, "50"), team(2, "40"), team(3, "30")],
            2,
            [("T1", 1, A), ("T2", 2, A), ("T3", 3, E)],
            False,
            id="plain-cut-of-one",
        ),
        pytest.param(
            [team(1, "50"), team(2, "40"), team(3, "40"), team(4, "10")],
            3,
            [("T1", 1, A), ("T2", 2, A), ("T3", 2, A), ("T4", 4, E)],
            False,
            id="ties-share-rank-1-2-2-4",
        ),
        pytest.param(
            [team(1, "50"), team(2, "40"), team(3, "30"), team(4, "30")],
            3,
            [("T1", 1, A), ("T2", 2, A), ("T3", 3, A), ("T4", 3, A)],
            True,
            id="tie-straddling-cut-line-both-stay",
        ),
        pytest.param(
            [team(1, "50"), team(2, "30"), team(3, "30"), team(4, "30")],
            2,
            [("T1", 1, A), ("T2", 2, A), ("T3", 2, A), ("T4", 2, A)],
            True,
            id="three-way-tie-at-line-nobody-cut",
        ),
        pytest.param(
            [team(1, "50"), team(2, "45", gate=False), team(3, "30")],
            2,
            [("T1", 1, A), ("T2", 2, P), ("T3", 3, E)],
            False,
            id="gate-failure-ranked-but-does-not-free-a-place",
        ),
        pytest.param(
            [team(1, "50", gate=False), team(2, "10", gate=False)],
            1,
            [("T1", 1, P), ("T2", 2, P)],
            False,
            id="gate-beats-points-at-the-bottom-too",
        ),
        pytest.param(
            [team(1, "50"), team(2, None), team(3, "30")],
            1,
            [("T1", 1, A), ("T3", 2, E), ("T2", None, R)],
            False,
            id="missing-data-not-ranked-never-zero",
        ),
        pytest.param(
            [team(1, "50"), team(2, "40", gate=None)],
            1,
            [("T1", 1, A), ("T2", None, R)],
            False,
            id="undecided-gate-not-ranked",
        ),
        pytest.param(
            [team(1, "0"), team(2, "0")], 5, [("T1", 1, A), ("T2", 1, A)], False, id="fewer-teams-than-places"
        ),
        pytest.param([], 3, [], False, id="empty"),
    ],
)
def test_compute_standings_outcomes(teams, advancing, expected, cut_line_tie):
    table = compute_standings(inputs(*teams, advancing=advancing))
    assert summary(table) == expected
    assert table.cut_line_tie is cut_line_tie


def test_missing_items_are_listed_explicitly():
    table = compute_standings(inputs(team(1, None, None, gate=None), advancing=1))
    row = table.rows[0]
    assert row.total is None and row.rank is None and row.outcome == R
    assert row.missing == (
        MissingItem(Missing.PANEL_RESULT, "expert"),
        MissingItem(Missing.PANEL_RESULT, "user"),
        MissingItem(Missing.GATE_DECISION, "originality"),
    )
    assert [c.points for c in row.components] == [None, None]
    assert table.complete is False


def test_component_points_are_weight_times_share_rounded_half_up():
    components = (
        Component("expert", D(35), Source.PANEL, D(35), (Criterion("a", D(10)), Criterion("b", D(25)))),
        Component("user", D(65), Source.PANEL, D(3)),
    )
    t = Team(1, "T1", panel_points={"expert/a": D("9.5"), "expert/b": D("20"), "user": D("1")}, gates={})
    row = compute_standings(inputs(t, advancing=1, components=components, gates=())).rows[0]
    # expert 35 × 29.5/35 = 29.5; user 65 × 1/3 = 21.666… → 21.67; total = sum of rounded points.
    assert [(c.key, c.points) for c in row.components] == [("expert", D("29.50")), ("user", D("21.67"))]
    assert row.total == D("51.17")


def test_whole_component_panel_result_overrides_missing_criteria():
    components = (
        Component("expert", D(100), Source.PANEL, D(35), (Criterion("a", D(10)), Criterion("b", D(25)))),
    )
    t = Team(1, "T1", panel_points={"expert": D("31.5")})
    assert compute_standings(inputs(t, advancing=1, components=components, gates=())).rows[0].total == D(
        "90.00"
    )
    partial = Team(1, "T1", panel_points={"expert/a": D("5")})
    row = compute_standings(inputs(partial, advancing=1, components=components, gates=())).rows[0]
    assert row.missing == (MissingItem(Missing.PANEL_RESULT, "expert/b"),)


def test_weight_changes_can_reorder_and_are_checked():
    teams = (team(1, "60", "0"), team(2, "30", "20"))
    base = compute_standings(inputs(*teams, advancing=1))
    assert summary(base) == [("T1", 1, A), ("T2", 2, E)]
    shifted = compute_standings(inputs(*teams, advancing=1), weights={"expert": D(20), "user": D(80)})
    # T1: 20×60/60 = 20; T2: 20×30/60 + 80×20/40 = 50.
    assert summary(shifted) == [("T2", 1, A), ("T1", 2, E)]
    assert [(c.key, c.weight) for c in shifted.rows[0].components] == [("expert", D(20)), ("user", D(80))]
    assert outcome_changes(base, shifted) == [OutcomeChange(1, A, E), OutcomeChange(2, E, A)]
    with pytest.raises(InvalidInputs, match="add up to 100"):
        compute_standings(inputs(*teams, advancing=1), weights={"expert": D(20), "user": D(70)})
    with pytest.raises(InvalidInputs, match="exactly the components"):
        compute_standings(inputs(*teams, advancing=1), weights={"expert": D(100)})


def test_cut_count_override():
    teams = (team(1, "50"), team(2, "40"), team(3, "30"))
    assert summary(compute_standings(inputs(*teams, advancing=2), cut_count=2)) == [
        ("T1", 1, A),
        ("T2", 2, E),
        ("T3", 3, E),
    ]
    assert summary(compute_standings(inputs(*teams, advancing=2), cut_count=0))[-1] == ("T3", 3, A)
    with pytest.raises(InvalidInputs):
        compute_standings(inputs(*teams, advancing=2), cut_count=-1)


BENCH = (
    Component(
        "benchmark",
        D(40),
        Source.BENCHMARKS,
        D(40),
        (Criterion("common", D(30), "common"), Criterion("own", D(10), "team_specific")),
    ),
    Component("user", D(60), Source.PANEL, D(60)),
)
SPECS = (
    BenchmarkSpec("MMLU", "common"),
    BenchmarkSpec("LAT", "common", higher_is_better=False),
    BenchmarkSpec("OWN1", "team_specific", consortium_id=1),
    BenchmarkSpec("OWN2", "team_specific", consortium_id=2),
)


def bench_team(cid, scores, refs, target="Ref"):
    return Team(
        cid,
        f"T{cid}",
        target_model=target,
        benchmark_scores={k: D(v) for k, v in scores.items()},
        reference_scores={k: D(v) for k, v in refs.items()},
        panel_points={"user": D("60")},
    )


def test_benchmark_points_from_frontier_ratio():
    t1 = bench_team(1, {"MMLU": "90", "LAT": "50", "OWN1": "40"}, {"MMLU": "100", "LAT": "40", "OWN1": "50"})
    t2 = bench_team(2, {"MMLU": "100", "LAT": "40", "OWN2": "60"}, {"MMLU": "100", "LAT": "40", "OWN2": "50"})
    table = compute_standings(PhaseInputs(BENCH, (), SPECS, (t1, t2), teams_advancing=2))
    r1, r2 = sorted(table.rows, key=lambda r: r.consortium_id)
    # T1 common: mean(0.9, 40/50 = 0.8) = 0.85 → 25.5; own 0.8 → 8; benchmark 33.5.
    assert r1.components[0].points == D("33.50")
    # Overall frontier ratio: mean(0.9, 0.8, 0.8) = 0.8333; below the 0.95 threshold.
    assert (r1.frontier_ratio, r1.meets_frontier_threshold) == (D("0.8333"), False)
    # T2 beats its target on OWN2 (1.2): points are capped at the maximum, the ratio is not.
    assert r2.components[0].points == D("40.00")
    assert (r2.frontier_ratio, r2.meets_frontier_threshold) == (D("1.0667"), True)


def test_benchmark_missing_results_and_references_are_listed():
    t1 = bench_team(1, {"MMLU": "90", "OWN1": "40"}, {"MMLU": "100", "LAT": "40"})
    row = compute_standings(PhaseInputs(BENCH, (), SPECS, (t1,), teams_advancing=1)).rows[0]
    assert row.outcome == R and row.frontier_ratio is None
    assert set(row.missing) == {
        MissingItem(Missing.BENCHMARK_RESULT, "LAT"),
        MissingItem(Missing.REFERENCE_SCORE, "OWN1"),
    }
    no_target = compute_standings(PhaseInputs(BENCH, (), SPECS, (replace(t1, target_model=""),), 1)).rows[0]
    assert MissingItem(Missing.NO_TARGET_MODEL) in no_target.missing


def test_evaluator_component_needs_every_assigned_sheet():
    comps = (
        Component("expert", D(100), Source.EVALUATORS, D(20), (Criterion("a", D(10)), Criterion("b", D(10)))),
    )
    done = Team(
        1,
        "T1",
        evaluator_points={"expert/a": D("7.5"), "expert/b": D("8")},
        sheets_assigned=2,
        sheets_submitted=2,
    )
    waiting = replace(done, consortium_id=2, label="T2", sheets_submitted=1)
    nobody = Team(3, "T3")
    table = compute_standings(PhaseInputs(comps, (), (), (done, waiting, nobody), teams_advancing=3))
    rows = {r.label: r for r in table.rows}
    assert rows["T1"].total == D("77.50")
    assert rows["T2"].missing == (MissingItem(Missing.SHEETS_NOT_SUBMITTED, "1/2"),)
    assert rows["T3"].missing == (MissingItem(Missing.NO_EVALUATORS, "expert"),)


def test_benchmark_ratio_direction_and_zero():
    assert benchmark_ratio(score=D(45), reference=D(50), higher_is_better=True) == D("0.9")
    assert benchmark_ratio(score=D(50), reference=D(45), higher_is_better=False) == D("0.9")
    assert benchmark_ratio(score=D(1), reference=D(0), higher_is_better=True) is None


def test_inputs_digest_ignores_order_and_trailing_zeros_but_not_values():
    a = inputs(team(1, "50.0"), team(2, "40"), advancing=1)
    b = inputs(team(2, "40.00"), team(1, "50"), advancing=1)
    c = inputs(team(1, "50.01"), team(2, "40"), advancing=1)
    assert inputs_digest(a) == inputs_digest(b)
    assert inputs_digest(a) != inputs_digest(c)


def test_order_of_teams_does_not_change_the_table():
    teams = [team(i, str(10 * (i % 4)), label=f"T{i:02}") for i in range(1, 9)]
    forward = compute_standings(inputs(*teams, advancing=5))
    backward = compute_standings(inputs(*reversed(teams), advancing=5))
    assert forward == backward
    assert forward.as_rows()[0]["outcome"] == "advances"


def test_ratio_sums_from_the_database_give_the_same_table_as_raw_scores():
    t1 = bench_team(1, {"MMLU": "90", "LAT": "50", "OWN1": "40"}, {"MMLU": "100", "LAT": "40", "OWN1": "50"})
    summed = replace(
        t1,
        benchmark_scores={},
        reference_scores={},
        # common: 0.9 + 0.8; team-specific: 0.8 (as PostgreSQL adds them up).
        benchmark_ratio_sums={"common": RatioSum(D("1.7"), 2), "team_specific": RatioSum(D("0.8"), 1)},
    )
    raw = compute_standings(PhaseInputs(BENCH, (), SPECS, (t1,), teams_advancing=1))
    fast = compute_standings(PhaseInputs(BENCH, (), SPECS, (summed,), teams_advancing=1))
    assert fast.rows == raw.rows
    assert fast.rows[0].frontier_ratio == D("0.8333")
    incomplete = replace(
        summed, benchmark_ratio_sums={"common": RatioSum(D("0.9"), 1), "team_specific": RatioSum(D(1), 1)}
    )
    with pytest.raises(InvalidInputs, match="ratio sums cover"):
        compute_standings(PhaseInputs(BENCH, (), SPECS, (incomplete,), teams_advancing=1))
