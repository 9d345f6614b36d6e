"""phase_details_load: the real P1 data reproduces the published outcome; errors name the key path."""

from __future__ import annotations

import copy
from decimal import Decimal as D

import pytest

from common.loading import ProgramFileError
from evaluations import standings as pure
from evaluations.models import GateResult, PanelResult, Phase, PhaseParticipant, RubricComponent, RubricGate
from evaluations.selectors import standings_inputs
from tests.shipped_program import program_load

pytestmark = pytest.mark.django_db


def _p1_table():
    return pure.compute_standings(standings_inputs(phase=Phase.objects.get(code="P1")))


def test_p1_reproduces_the_real_outcome(kai_program, program_data):
    table = _p1_table()
    rows = {row.label: row for row in table.rows}
    actual = program_data["phases"][1]["actual_outcome"]
    assert table.rows[0].label == "LG" and table.rows[0].rank == 1
    assert rows["LG"].total == D("90.2")
    assert {code: rows[code].total for code in rows} == {
        "LG": D("90.20"),
        "NAVER": D("80.40"),
        "SKT": D("79.20"),
        "UPSTAGE": D("78.60"),
        "NCAI": D("70.20"),
    }
    # NAVER is second on points but disqualified by the originality gate; NCAI is cut on points.
    assert [(r.label, r.rank, r.outcome) for r in table.rows] == [
        ("LG", 1, pure.Outcome.ADVANCES),
        ("NAVER", 2, pure.Outcome.DISQUALIFIED_BY_GATE),
        ("SKT", 3, pure.Outcome.ADVANCES),
        ("UPSTAGE", 4, pure.Outcome.ADVANCES),
        ("NCAI", 5, pure.Outcome.ELIMINATED_ON_POINTS),
    ]
    assert sorted(r.label for r in table.rows if r.outcome == pure.Outcome.ADVANCES) == sorted(
        actual["advanced"]
    )
    assert [r.label for r in table.rows if r.outcome == pure.Outcome.DISQUALIFIED_BY_GATE] == actual[
        "disqualified_by_gate"
    ]
    assert [r.label for r in table.rows if r.outcome == pure.Outcome.ELIMINATED_ON_POINTS] == actual[
        "eliminated_on_points"
    ]
    assert table.cut_count == 1  # 5 ranked − 4 planned to advance
    # LG's published component points.
    assert [(c.key, c.points) for c in rows["LG"].components] == [
        ("benchmark", D("33.60")),
        ("expert", D("31.60")),
        ("user", D("25.00")),
    ]


def test_p1_recorded_outcomes_and_rubric(kai_program):
    outcomes = dict(
        PhaseParticipant.objects.filter(phase__code="P1").values_list("consortium__code", "outcome")
    )
    assert outcomes == {
        "LG": "advances",
        "SKT": "advances",
        "UPSTAGE": "advances",
        "NAVER": "disqualified_by_gate",
        "NCAI": "eliminated_on_points",
    }
    components = RubricComponent.objects.filter(phase__code="P1").order_by("order")
    assert [(c.key, c.weight, c.source, c.max_points) for c in components] == [
        ("benchmark", D(40), "panel", D(40)),
        ("expert", D(35), "panel", D(35)),
        ("user", D(25), "panel", D(25)),
    ]
    naver_gate = GateResult.objects.get(gate__phase__code="P1", consortium__code="NAVER")
    assert naver_gate.passed is False and "Qwen" in naver_gate.reason
    # Benchmark points are per criterion; expert and user are whole-component figures.
    assert (
        PanelResult.objects.filter(phase__code="P1", consortium__code="LG", criterion__isnull=False).count()
        == 3
    )
    assert PanelResult.objects.get(
        phase__code="P1", consortium__code="LG", criterion__isnull=True, component__key="expert"
    ).points == D("31.6")


def test_p2_is_set_up_for_the_demo(kai_program):
    p2 = Phase.objects.get(code="P2")
    sources = dict(RubricComponent.objects.filter(phase=p2).values_list("key", "source"))
    assert sources == {"benchmark": "benchmarks", "expert": "evaluators", "user": "panel"}
    assert sorted(p2.participants.values_list("consortium__code", flat=True)) == [
        "LG",
        "MOTIF",
        "SKT",
        "UPSTAGE",
    ]
    assert RubricGate.objects.filter(phase=p2).count() == 1
    assert p2.frontier_threshold == D("0.950")


def test_phase_details_load_twice_changes_nothing(program_data):
    program_load(data=copy.deepcopy(program_data))
    generation = Phase.objects.get(code="P1").standings_generation
    second = program_load(data=program_data)
    assert second.changed is False
    assert Phase.objects.get(code="P1").standings_generation == generation


def _p1(data):
    return data["phases"][1]


@pytest.mark.parametrize(
    ("mutate", "path", "reason"),
    [
        (
            lambda p: p["rubric"]["components"][0].update(weight=41),
            "phases[1].rubric.components",
            "add up to 101",
        ),
        (lambda p: p["results"][0].update(expert="36"), "phases[1].results[0].expert", "out of range 0..35"),
        (lambda p: p["results"][0].update(expert=31.6), "phases[1].results[0].expert", "quoted string"),
        (
            lambda p: p["results"][0].update(total="90.3"),
            "phases[1].results[0].total",
            "differs from the sum",
        ),
        (
            lambda p: p["results"][1].update(consortium="KT"),
            "phases[1].results[1].consortium",
            "unknown consortium",
        ),
        (lambda p: p["results"][0].pop("user"), "phases[1].results[0]", "no points for component 'user'"),
        (
            lambda p: p["results"][0].update(gate_originality="maybe"),
            "phases[1].results[0].gate_originality",
            "not one of",
        ),
        (
            lambda p: p["results"][3].pop("gate_reason"),
            "phases[1].results[3].gate_originality",
            "needs a reason",
        ),
        (lambda p: p["results"][0].update(bonus="1"), "phases[1].results[0].bonus", "unknown key"),
        (
            lambda p: p["results"][0].update(consortium="SKT"),
            "phases[1].results[1].consortium",
            "listed twice",
        ),
        (
            lambda p: p["actual_outcome"].update(advanced=["LG", "MOTIF"]),
            "phases[1].actual_outcome.advanced[1]",
            "not a participant",
        ),
        (
            lambda p: p["rubric"]["components"][0]["criteria"][0].update(group="national"),
            "phases[1].rubric.components[0].criteria[0].group",
            "not one of",
        ),
        (
            lambda p: p["rubric"]["gates"].append(dict(p["rubric"]["gates"][0])),
            "phases[1].rubric.gates[1].key",
            "duplicate gate",
        ),
    ],
)
def test_phase_details_load_errors_name_the_key_path(program_data, mutate, path, reason):
    mutate(_p1(program_data))
    with pytest.raises(ProgramFileError) as excinfo:
        program_load(data=program_data)
    assert excinfo.value.path == path
    assert reason in excinfo.value.reason
    assert not Phase.objects.exists()  # the whole load rolled back


def test_benchmark_set_and_target_models_load(program_data):
    p2 = program_data["phases"][3]
    p2["benchmark_set"] = [
        {"benchmark": "MMLU-Pro", "group": "common"},
        {"benchmark": "TextVQA", "group": "team_specific", "consortium": "LG"},
    ]
    p2["target_models"] = {"LG": "DeepSeek-V3.2"}
    program_load(data=program_data)
    inputs = standings_inputs(phase=Phase.objects.get(code="P2"))
    assert sorted((b.code, b.group) for b in inputs.benchmarks) == [
        ("MMLU-Pro", "common"),
        ("TextVQA", "team_specific"),
    ]
    lg = next(t for t in inputs.teams if t.label == "LG")
    assert lg.target_model == "DeepSeek-V3.2" and lg.reference_scores == {"MMLU-Pro": D("85.000")}
    p2["benchmark_set"].append({"benchmark": "NOPE", "group": "common"})
    with pytest.raises(ProgramFileError) as excinfo:
        program_load(data=program_data)
    assert excinfo.value.path == "phases[3].benchmark_set[2].benchmark"


def test_frontier_threshold_out_of_range_names_the_key(program_data):
    program_data["phases"][3]["frontier_threshold"] = "1.6"
    with pytest.raises(ProgramFileError) as excinfo:
        program_load(data=program_data)
    assert excinfo.value.path == "phases[3].frontier_threshold"


def test_reloading_the_program_file_keeps_outcomes_finalized_in_the_portal(p2_complete, staff, program_data):
    from evaluations import services

    services.phase_finalize(phase=p2_complete["phase"], actor=staff)
    program_data["phases"][3]["status"] = "finalized"  # as an operator would record it after the fact
    program_load(data=program_data)
    outcomes = dict(
        PhaseParticipant.objects.filter(phase__code="P2").values_list("consortium__code", "outcome")
    )
    assert outcomes["MOTIF"] == "eliminated_on_points" and outcomes["LG"] == "advances"
