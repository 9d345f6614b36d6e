"""Recompute into snapshots: after-commit enqueue, idempotency, compare-and-set, the lock, the stale
marker and the reconcile beat task, broker outages, and a query count that does not grow with teams."""

from __future__ import annotations

import itertools
from decimal import Decimal as D
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from common.roles import Role
from consortia.models import Consortium, Organization
from evaluations import services, tasks
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    CriterionScore,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)
from evaluations.selectors import phase_ids_with_stale_standings, standings_inputs, standings_view
from evaluations.services import recompute as recompute_services
from tests.p2_data import p2_component, p2_gate, team

pytestmark = pytest.mark.django_db
_codes = itertools.count()


def test_change_enqueues_recompute_after_commit_only(p2, staff, django_capture_on_commit_callbacks):
    with mock.patch.object(tasks.recompute_standings, "apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.gate_result_record(
                gate=p2_gate(), consortium=team("LG"), passed=True, reason="", actor=staff
            )
        assert send.call_count == 0  # nothing is sent before the transaction commits
        for callback in callbacks:
            callback()
    send.assert_called_once_with(
        kwargs={"phase_id": p2.pk, "trigger": "gate originality decided for LG"}, ignore_result=True
    )


def test_eager_recompute_writes_a_snapshot_and_clears_stale(p2, staff, django_capture_on_commit_callbacks):
    assert standings_view(phase_id=p2.pk, user=staff).is_stale  # loaded inputs, never computed
    with django_capture_on_commit_callbacks(execute=True):
        services.panel_result_record(
            phase=p2, consortium=team("LG"), component=p2_component("user"), points=D("22"), actor=staff
        )
    view = standings_view(phase_id=p2.pk, user=staff)
    assert not view.is_stale
    snapshot = view.snapshot
    assert snapshot.generation == Phase.objects.get(pk=p2.pk).standings_generation
    assert snapshot.trigger == "panel result user for LG"
    lg = next(row for row in snapshot.table if row["label"] == "LG")
    assert lg["components"][2] == {"key": "user", "weight": "25.00", "points": "22.00"}
    assert (
        lg["outcome"] == "not_ranked" and {"kind": "gate_decision", "subject": "originality"} in lg["missing"]
    )
    assert len(snapshot.inputs_hash) == 64 and snapshot.duration_ms >= 0


def test_recompute_is_idempotent(p2):
    first = services.standings_recompute(phase_id=p2.pk, trigger="t1")
    second = services.standings_recompute(phase_id=p2.pk, trigger="t2")
    assert (first.status, second.status) == ("written", "current")
    assert second.snapshot == first.snapshot and StandingsSnapshot.objects.filter(phase=p2).count() == 1
    assert tasks.recompute_standings(phase_id=p2.pk, trigger="t3") == "current"


def test_recompute_of_a_deleted_phase_is_harmless():
    assert services.standings_recompute(phase_id=987654, trigger="old message").status == "missing"


def test_compare_and_set_leaves_a_superseded_table_unwritten(p2, monkeypatch):
    real = recompute_services.standings_inputs

    def inputs_then_concurrent_change(*, phase):
        data = real(phase=phase)
        Phase.objects.filter(pk=phase.pk).update(standings_generation=phase.standings_generation + 1)
        return data

    monkeypatch.setattr(recompute_services, "standings_inputs", inputs_then_concurrent_change)
    assert services.standings_recompute(phase_id=p2.pk, trigger="t").status == "superseded"
    assert not StandingsSnapshot.objects.filter(phase=p2).exists()


def test_a_superseded_recompute_computes_again_at_once_and_writes_the_newer_generation(p2, monkeypatch):
    """A change committed while the table was computed is caught up by the same call, not by a retry."""
    real = recompute_services.standings_inputs
    calls = []

    def inputs_with_one_concurrent_change(*, phase):
        data = real(phase=phase)
        calls.append(phase.standings_generation)
        if len(calls) == 1:
            Phase.objects.filter(pk=phase.pk).update(standings_generation=phase.standings_generation + 1)
        return data

    monkeypatch.setattr(recompute_services, "standings_inputs", inputs_with_one_concurrent_change)
    result = services.standings_recompute(phase_id=p2.pk, trigger="t")
    p2.refresh_from_db()
    assert result.status == "written" and result.snapshot.generation == p2.standings_generation
    assert calls == [p2.standings_generation - 1, p2.standings_generation]
    assert StandingsSnapshot.objects.filter(phase=p2).count() == 1


def test_a_change_committed_after_the_write_is_caught_up_before_returning(p2, monkeypatch):
    """The lock holder re-reads the generation after its commit: the recomputes of changes made while it
    held the lock found it busy, so it catches them up itself."""
    real = recompute_services.snapshot_write
    rounds = []

    def write_then_concurrent_change(phase, **kwargs):
        result = real(phase, **kwargs)
        rounds.append(result.status)
        if len(rounds) == 1:
            Phase.objects.filter(pk=phase.pk).update(standings_generation=phase.standings_generation + 1)
        return result

    monkeypatch.setattr(recompute_services, "snapshot_write", write_then_concurrent_change)
    result = services.standings_recompute(phase_id=p2.pk, trigger="t")
    p2.refresh_from_db()
    assert rounds == ["written", "written"]
    assert result.snapshot.generation == p2.standings_generation
    assert p2.pk not in phase_ids_with_stale_standings()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="advisory locks are PostgreSQL's")
def test_a_second_recompute_of_the_same_phase_is_refused_while_one_runs(p2):
    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [recompute_services._LOCK_CLASS, p2.pk])
        assert services.standings_recompute(phase_id=p2.pk, trigger="t").status == "busy"
        # No retry: the lock's holder catches up with every committed change before it lets go.
        assert tasks.recompute_standings.run(phase_id=p2.pk, trigger="t") == "busy"
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [recompute_services._LOCK_CLASS, p2.pk])
        assert services.standings_recompute(phase_id=p2.pk, trigger="t").status == "written"
    finally:
        other.close()


def test_broker_outage_never_fails_the_save_and_reconcile_catches_up(
    p2, staff, django_capture_on_commit_callbacks, caplog
):
    services.standings_recompute(phase_id=p2.pk, trigger="initial")
    assert p2.pk not in phase_ids_with_stale_standings()
    with mock.patch.object(
        tasks.recompute_standings, "apply_async", side_effect=BrokerError("Redis is down")
    ):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.gate_result_record(
                gate=p2_gate(), consortium=team("LG"), passed=True, reason="", actor=staff
            )
    assert GateResult.objects.filter(pk=result.pk).exists()
    assert "not enqueued (Redis is down)" in caplog.text
    assert standings_view(phase_id=p2.pk, user=staff).is_stale
    assert p2.pk in phase_ids_with_stale_standings()
    assert p2.pk in tasks.reconcile_standings()
    assert phase_ids_with_stale_standings() == []  # eager in tests: every stale phase was recomputed at once
    assert not standings_view(phase_id=p2.pk, user=staff).is_stale
    assert StandingsSnapshot.objects.filter(phase=p2).latest().trigger == "reconcile (stale snapshot)"


def test_reconcile_skips_phases_whose_snapshot_is_current(kai_program):
    stale = phase_ids_with_stale_standings()
    assert Phase.objects.get(code="P1").pk in stale
    with mock.patch.object(tasks.recompute_standings, "delay") as delay:
        assert tasks.reconcile_standings() == stale
    assert sorted(call.kwargs["phase_id"] for call in delay.call_args_list) == sorted(stale)


# --- query count -----------------------------------------------------------------------------------------


def build_phase(program, n_teams: int) -> Phase:
    """A complete synthetic phase: 2 common benchmarks, 2 evaluators × 2 criteria, a user panel, a gate."""
    tag = next(_codes)
    phase = Phase.objects.create(
        program=program,
        code=f"syn-{tag}",
        order=100 + tag,
        name=f"Synthetic {tag}",
        status=Phase.Status.EVALUATING,
        teams_advancing=max(1, n_teams - 1),
    )
    bench = RubricComponent.objects.create(
        phase=phase, key="benchmark", name="B", order=0, weight=40, max_points=40, source="benchmarks"
    )
    RubricCriterion.objects.create(
        component=bench, key="common", name="C", max_points=40, benchmark_group="common"
    )
    expert = RubricComponent.objects.create(
        phase=phase, key="expert", name="E", order=1, weight=35, max_points=20, source="evaluators"
    )
    criteria = [
        RubricCriterion.objects.create(component=expert, key=k, name=k, max_points=10, order=i)
        for i, k in enumerate(("a", "b"))
    ]
    user = RubricComponent.objects.create(
        phase=phase, key="user", name="U", order=2, weight=25, max_points=25, source="panel"
    )
    gate = RubricGate.objects.create(phase=phase, key="originality", name="O")
    benchmarks = list(Benchmark.objects.filter(code__in=["MMLU-Pro", "GPQA-Diamond"]))
    for b in benchmarks:
        PhaseBenchmark.objects.create(phase=phase, benchmark=b, group="common")
    assert (
        ReferenceScore.objects.filter(reference_model="DeepSeek-V3.2", benchmark__in=benchmarks).count() == 2
    )
    lead = Organization.objects.get(name_en="Hancom")
    evaluators = [get_user_model().objects.create_user(username=f"syn{tag}-ev{i}") for i in range(2)]
    now = timezone.now()
    for i in range(n_teams):
        c = Consortium.objects.create(
            program=program, code=f"S{tag}-{i}", name=f"S{tag}-{i}", lead=lead, joined_on="2025-08-04"
        )
        PhaseParticipant.objects.create(phase=phase, consortium=c)
        TargetModel.objects.create(phase=phase, consortium=c, reference_model="DeepSeek-V3.2")
        upload = ResultUpload.objects.create(
            phase=phase,
            consortium=c,
            uploaded_by=evaluators[0],
            uploaded_at=now,
            file="x.csv",
            display_name="x.csv",
            sha256="0" * 64,
            size=1,
            format="csv",
            encoding="utf-8",
            row_count=2,
        )
        for j, b in enumerate(benchmarks):
            ResultRow.objects.create(upload=upload, benchmark=b, score=D(60 + i), source_row=j + 2)
        for evaluator in evaluators:
            assignment = EvaluatorAssignment.objects.create(
                phase=phase, consortium=c, evaluator=evaluator, assigned_by=evaluator, assigned_at=now
            )
            sheet = ScoreSheet.objects.create(
                assignment=assignment, updated_at=now, status="submitted", submitted_at=now
            )
            for criterion in criteria:
                CriterionScore.objects.create(sheet=sheet, criterion=criterion, points=D(i % 10))
        PanelResult.objects.create(phase=phase, consortium=c, component=user, points=D(20))
        GateResult.objects.create(gate=gate, consortium=c, passed=True)
    Phase.objects.filter(pk=phase.pk).update(standings_generation=1)
    return Phase.objects.get(pk=phase.pk)


@pytest.mark.parametrize("n_teams", [2, 25])
def test_recompute_query_count_does_not_grow_with_teams(kai_program, n_teams, django_assert_max_num_queries):
    phase = build_phase(kai_program, n_teams)
    with django_assert_max_num_queries(20):
        result = services.standings_recompute(phase_id=phase.pk, trigger="count")
    assert result.status == "written"
    table = result.snapshot.table
    assert len(table) == n_teams and all(row["outcome"] != "not_ranked" for row in table)
    assert sum(row["outcome"] == "eliminated_on_points" for row in table) >= 1


def test_beat_reconciles_stale_standings_every_two_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["evaluations-reconcile-standings"]
    assert entry == {"task": "evaluations.reconcile_standings", "schedule": 120.0}
    from kai_portal.celery import app

    assert "evaluations.reconcile_standings" in app.tasks


def _add_benchmark(phase, code, *, higher_is_better, reference, scores, group="common", consortium=None):
    """A benchmark in the phase's set, with DeepSeek-V3.2's reference score and each team's result added
    to its current upload."""
    benchmark = Benchmark.objects.create(
        code=code, name=code, category=Benchmark.Category.KNOWLEDGE, higher_is_better=higher_is_better
    )
    PhaseBenchmark.objects.create(phase=phase, benchmark=benchmark, group=group, consortium=consortium)
    ReferenceScore.objects.create(benchmark=benchmark, reference_model="DeepSeek-V3.2", score=D(reference))
    for code_, score in scores.items():
        upload = ResultUpload.objects.get(phase=phase, consortium__code=code_, is_current=True)
        ResultRow.objects.create(upload=upload, benchmark=benchmark, score=D(score), source_row=90)


def test_frontier_ratios_added_up_in_sql_follow_the_python_rule(p2_complete, make_user):
    """The frontier-ratio rule is stated once in Python (pure.benchmark_ratio) and once in the SQL that adds
    ratios up per team and group (PostgreSQL's fast path). Both run here on the same rows: higher- and
    lower-is-better benchmarks, whole-number scores (which SQLite would divide as integers), a team's own
    benchmark, and a team with a gap, which the SQL leaves to the Python path so the gap is named."""
    phase = p2_complete["phase"]
    _add_benchmark(
        phase,
        "LATENCY-S",
        higher_is_better=False,
        reference="2.5",
        scores={"LG": "2", "SKT": "2.5", "UPSTAGE": "3", "MOTIF": "4.1"},
    )
    _add_benchmark(
        phase,
        "SKT-OWN",
        higher_is_better=True,
        reference="60",
        scores={"SKT": "57"},
        group="team_specific",
        consortium=team("SKT"),
    )
    in_sql = standings_inputs(phase=phase, ratio_sums=True)
    in_python = standings_inputs(phase=phase, ratio_sums=False)
    assert [t.label for t in in_sql.teams] == [t.label for t in in_python.teams]
    for summed, raw in zip(in_sql.teams, in_python.teams, strict=True):
        assert summed.benchmark_ratio_sums and not summed.benchmark_scores
        for group, ratio_sum in summed.benchmark_ratio_sums.items():
            ratios = [
                pure.benchmark_ratio(
                    score=raw.benchmark_scores[b.code],
                    reference=raw.reference_scores[b.code],
                    higher_is_better=b.higher_is_better,
                )
                for b in in_python.benchmarks
                if b.group == group and b.consortium_id in (None, raw.consortium_id)
            ]
            assert ratio_sum.count == len(ratios)
            # PostgreSQL divides numerics to at least 16 digits, SQLite in floats: equal well below the
            # 4 places a frontier ratio is shown with.
            assert abs(ratio_sum.total - sum(ratios, D(0))) < D("1e-12"), (raw.label, group)
    assert pure.compute_standings(in_sql).rows == pure.compute_standings(in_python).rows
    assert {r.label: str(r.frontier_ratio) for r in pure.compute_standings(in_sql).rows} == {
        "LG": "1.0833",  # (1 + 1 + 2.5/2) / 3
        "SKT": "0.9625",  # (0.95 + 0.95 + 1 + 57/60) / 4
        "UPSTAGE": "0.8778",  # (0.9 + 0.9 + 2.5/3) / 3
        "MOTIF": "0.7366",  # (0.8 + 0.8 + 2.5/4.1) / 3
    }

    # A team with a gap comes with raw scores, so the missing benchmark is named.
    Phase.objects.filter(pk=phase.pk).update(status=Phase.Status.OPEN)
    member = make_user(Role.CONSORTIUM_MEMBER, organization="Upstage", consortium="UPSTAGE")
    body = b"benchmark,score\nMMLU-Pro,71.3\nLATENCY-S,3\n"
    services.result_upload_create(
        phase=phase, consortium=team("UPSTAGE"), file=SimpleUploadedFile("r.csv", body), actor=member
    )
    inputs = standings_inputs(phase=phase, ratio_sums=True)
    upstage = next(t for t in inputs.teams if t.label == "UPSTAGE")
    assert (upstage.benchmark_ratio_sums, upstage.benchmark_scores) == (
        {},
        {"MMLU-Pro": D("71.3000"), "LATENCY-S": D("3.0000")},
    )
    row = next(r for r in pure.compute_standings(inputs).rows if r.label == "UPSTAGE")
    assert row.missing == (pure.MissingItem(pure.Missing.BENCHMARK_RESULT, "GPQA-Diamond"),)
