#!/usr/bin/env python
"""Standings recompute at scale, against one hand-written SQL aggregate over the same rows.

Builds a synthetic phase in a dedicated PostgreSQL database (kai_bench_standings, recreated each run):
1,000 consortia × 50 benchmarks (50,000 result rows) × 20 evaluators × 10 criteria (200,000 criterion
scores), plus a user-panel figure and an originality gate per team. Then times, best of RUNS:

* ``standings_recompute`` (what the Celery task runs: lock, read inputs with SQL aggregates, rank with the
  pure function, hash the inputs, write the snapshot), with its query count;
* one SQL statement computing every team's total and rank from the same rows.

Exits non-zero when the recompute is slower than 3× the SQL aggregate.

    .venv/bin/python bench/standings.py      # TEAMS=1000 BENCHMARKS=50 EVALUATORS=20 CRITERIA=10 RUNS=7
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
TEAMS = int(os.environ.get("TEAMS", "1000"))
BENCHMARKS = int(os.environ.get("BENCHMARKS", "50"))
EVALUATORS = int(os.environ.get("EVALUATORS", "20"))
CRITERIA = int(os.environ.get("CRITERIA", "10"))
RUNS = int(os.environ.get("RUNS", "7"))
DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/kai_bench_standings")

os.environ.update({"DJANGO_SETTINGS_MODULE": "kai_portal.settings.test", "DATABASE_URL": DB})
os.environ.pop("REDIS_URL", None)
sys.path.insert(0, str(ROOT))

SQL_AGGREGATE = """
WITH expert AS (
    SELECT t.consortium_id, SUM(t.mean) AS earned
    FROM (
        SELECT a.consortium_id, cs.criterion_id, AVG(cs.points) AS mean
        FROM evaluations_criterionscore cs
        JOIN evaluations_scoresheet s ON s.id = cs.sheet_id AND s.status = 'submitted'
        JOIN evaluations_evaluatorassignment a ON a.id = s.assignment_id
        WHERE a.phase_id = %(phase)s
        GROUP BY a.consortium_id, cs.criterion_id
    ) t
    GROUP BY t.consortium_id
), bench AS (
    SELECT u.consortium_id, AVG(r.score / rs.score) AS ratio
    FROM evaluations_resultrow r
    JOIN evaluations_resultupload u ON u.id = r.upload_id AND u.is_current AND u.phase_id = %(phase)s
    JOIN evaluations_targetmodel tm ON tm.phase_id = u.phase_id AND tm.consortium_id = u.consortium_id
    JOIN evaluations_referencescore rs
      ON rs.benchmark_id = r.benchmark_id AND rs.reference_model = tm.reference_model
    GROUP BY u.consortium_id
), totals AS (
    SELECT p.consortium_id,
           ROUND(40 * LEAST(b.ratio, 1), 2) + ROUND(35 * e.earned / %(expert_scale)s, 2)
             + ROUND(pr.points, 2) AS total
    FROM evaluations_phaseparticipant p
    JOIN bench b ON b.consortium_id = p.consortium_id
    JOIN expert e ON e.consortium_id = p.consortium_id
    JOIN evaluations_panelresult pr ON pr.consortium_id = p.consortium_id AND pr.phase_id = p.phase_id
    WHERE p.phase_id = %(phase)s
)
SELECT consortium_id, total, RANK() OVER (ORDER BY total DESC) FROM totals
"""


def recreate_database() -> None:
    url = urlparse(DB)
    name = url.path.lstrip("/")
    admin = [
        "psql",
        "-h",
        url.hostname or "127.0.0.1",
        "-p",
        str(url.port or 5432),
        "-U",
        url.username or "postgres",
        "-q",
        "-d",
        "postgres",
        "-c",
    ]
    subprocess.run([*admin, f'DROP DATABASE IF EXISTS "{name}"'], check=True)
    subprocess.run([*admin, f'CREATE DATABASE "{name}"'], check=True)


def seed():
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from consortia.models import Consortium, Organization, Program
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
        TargetModel,
    )

    now = timezone.now()
    program = Program.objects.create(
        code="BENCH", name_ko="벤치", name_en="Bench", ministry="MSIT", start_date="2025-08-04"
    )
    lead = Organization.objects.create(name_ko="벤치", name_en="Bench Org", kind="company")
    phase = Phase.objects.create(
        program=program,
        code="BENCH",
        order=1,
        name="Bench phase",
        status=Phase.Status.EVALUATING,
        teams_advancing=TEAMS - TEAMS // 10,
    )
    bench_c = RubricComponent.objects.create(
        phase=phase, key="benchmark", name="B", order=0, weight=40, max_points=40, source="benchmarks"
    )
    RubricCriterion.objects.create(
        component=bench_c, key="common", name="C", max_points=40, benchmark_group="common"
    )
    expert_c = RubricComponent.objects.create(
        phase=phase,
        key="expert",
        name="E",
        order=1,
        weight=35,
        max_points=Decimal(CRITERIA * 10),
        source="evaluators",
    )
    criteria = RubricCriterion.objects.bulk_create(
        RubricCriterion(component=expert_c, key=f"c{i}", name=f"c{i}", max_points=10, order=i)
        for i in range(CRITERIA)
    )
    user_c = RubricComponent.objects.create(
        phase=phase, key="user", name="U", order=2, weight=25, max_points=25, source="panel"
    )
    gate = RubricGate.objects.create(phase=phase, key="originality", name="O")
    benchmarks = Benchmark.objects.bulk_create(
        Benchmark(code=f"B{i:02}", name=f"B{i:02}", category="knowledge") for i in range(BENCHMARKS)
    )
    ReferenceScore.objects.bulk_create(
        ReferenceScore(benchmark=b, reference_model="Frontier", score=90) for b in benchmarks
    )
    PhaseBenchmark.objects.bulk_create(
        PhaseBenchmark(phase=phase, benchmark=b, group="common") for b in benchmarks
    )
    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"ev{i}") for i in range(EVALUATORS + 1)
    )
    evaluators, uploader = users[:EVALUATORS], users[-1]
    teams = Consortium.objects.bulk_create(
        Consortium(program=program, code=f"T{i:04}", name=f"Team {i}", lead=lead, joined_on="2025-08-04")
        for i in range(TEAMS)
    )
    PhaseParticipant.objects.bulk_create(PhaseParticipant(phase=phase, consortium=t) for t in teams)
    TargetModel.objects.bulk_create(
        TargetModel(phase=phase, consortium=t, reference_model="Frontier") for t in teams
    )
    uploads = ResultUpload.objects.bulk_create(
        ResultUpload(
            phase=phase,
            consortium=t,
            uploaded_by=uploader,
            uploaded_at=now,
            file="bench.csv",
            display_name="bench.csv",
            sha256="0" * 64,
            size=1,
            format="csv",
            encoding="utf-8",
            row_count=BENCHMARKS,
        )
        for t in teams
    )
    ResultRow.objects.bulk_create(
        (
            ResultRow(upload=u, benchmark=b, score=Decimal(50 + (i * 7 + j * 3) % 45), source_row=j + 2)
            for i, u in enumerate(uploads)
            for j, b in enumerate(benchmarks)
        ),
        batch_size=5000,
    )
    assignments = EvaluatorAssignment.objects.bulk_create(
        (
            EvaluatorAssignment(phase=phase, consortium=t, evaluator=e, assigned_by=uploader, assigned_at=now)
            for t in teams
            for e in evaluators
        ),
        batch_size=5000,
    )
    sheets = ScoreSheet.objects.bulk_create(
        (ScoreSheet(assignment=a, status="submitted", updated_at=now, submitted_at=now) for a in assignments),
        batch_size=5000,
    )
    CriterionScore.objects.bulk_create(
        (
            CriterionScore(sheet=s, criterion=c, points=Decimal((k * 13 + n * 7) % 101) / 10)
            for k, s in enumerate(sheets)
            for n, c in enumerate(criteria)
        ),
        batch_size=5000,
    )
    PanelResult.objects.bulk_create(
        PanelResult(phase=phase, consortium=t, component=user_c, points=Decimal(10 + i % 15))
        for i, t in enumerate(teams)
    )
    GateResult.objects.bulk_create(
        GateResult(gate=gate, consortium=t, passed=i % 97 != 0, reason="bench") for i, t in enumerate(teams)
    )
    return phase


def main() -> int:
    recreate_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import F
    from django.test.utils import CaptureQueriesContext

    from evaluations.models import CriterionScore, Phase, ResultRow
    from evaluations.services import RecomputeStatus, standings_recompute

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    phase = seed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded in {time.monotonic() - started:.1f} s: {TEAMS} consortia, "
        f"{ResultRow.objects.count()} result rows, {CriterionScore.objects.count()} criterion scores "
        f"({EVALUATORS} evaluators × {CRITERIA} criteria per team)"
    )

    recompute_times, sql_times, queries = [], [], 0
    for run in range(RUNS + 1):  # run 0 warms caches and is not counted
        Phase.objects.filter(pk=phase.pk).update(standings_generation=F("standings_generation") + 1)
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            result = standings_recompute(phase_id=phase.pk, trigger="bench")
            elapsed = time.perf_counter() - t0
        assert result.status == RecomputeStatus.WRITTEN, result.status
        queries = len(captured.captured_queries)
        with connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(SQL_AGGREGATE, {"phase": phase.pk, "expert_scale": CRITERIA * 10})
            rows = cursor.fetchall()
            sql_elapsed = time.perf_counter() - t0
        assert len(rows) == TEAMS
        if run:
            recompute_times.append(elapsed)
            sql_times.append(sql_elapsed)
    snapshot = result.snapshot
    table = snapshot.rows()
    sql_totals = {cid: total for cid, total, _rank in rows}
    mismatched = sum(1 for row in table if row.total != sql_totals[row.consortium_id])
    best, best_sql = min(recompute_times), min(sql_times)
    ratio = best / best_sql
    outcomes = {}
    for row in table:
        outcomes[row.outcome.value] = outcomes.get(row.outcome.value, 0) + 1
    figures = [
        (f"standings_recompute, {TEAMS:,} teams: best of {RUNS} (ms)", f"{best * 1000:.0f}"),
        ("  all runs (ms)", ", ".join(f"{t * 1000:.0f}" for t in recompute_times)),
        ("  queries per recompute", str(queries)),
        ("hand-written SQL aggregate: best (ms)", f"{best_sql * 1000:.0f}"),
        ("  all runs (ms)", ", ".join(f"{t * 1000:.0f}" for t in sql_times)),
        ("recompute / SQL (target <= 3x)", f"{ratio:.2f}x"),
        ("totals differing from the SQL", f"{mismatched} of {TEAMS:,}"),
        ("outcomes", ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items()))),
        ("cut count", str(snapshot.cut_count)),
    ]
    print()
    print(f"{'measure':<52} {'value':>34}")
    for label, value in figures:
        print(f"{label:<52} {value:>34}")
    print(f"({os.cpu_count()} cores; PostgreSQL {connection.pg_version // 10000})")
    return 0 if ratio <= 3 and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())
