"""The ministry dashboard's figures in one read, for the browser dashboard and the API summary.

The expensive part is cached (Redis in production) under a key that changes whenever its inputs can
have changed: the newest standings snapshot, the newest audit event (every budget and evaluation write
appends one) and the phases' input generations. So a new snapshot or a budget change lands on the next
request, with no invalidation code in the services. Freshness (age, stale) is computed per request.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from budget.selectors import (
    budget_line_figures,
    burn_rate_by_month,
    consortium_support_by_category,
    frozen_allocation_figures,
    gpu_by_team_over_time,
)
from consortia.models import Consortium, Program
from evaluations.models import Phase, StandingsSnapshot

CACHE_SECONDS = 300


def _cache_stamp(program_id: int | None) -> tuple[int | None, str, dict[str, int]]:
    """One query: the program (the given one, else the first by start date), the cache key's stamp, and each
    of its phases' current input generation (for freshness). (None, "", {}) when no program is loaded.

    This runs on every dashboard call, cached or not, so it is the whole database cost of a cached call
    after authentication: the program lookup is folded in rather than being a query of its own."""

    program_filter = "WHERE id = %s" if program_id is not None else ""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prog.id,"
            " (SELECT max(id) FROM evaluations_standingssnapshot),"
            " (SELECT max(id) FROM common_auditevent),"
            " (SELECT count(*) FROM budget_allocation),"
            " p.code, p.standings_generation"
            f" FROM (SELECT id FROM {Program._meta.db_table} {program_filter}"
            "        ORDER BY start_date, id LIMIT 1) AS prog"
            f" LEFT JOIN {Phase._meta.db_table} AS p ON p.program_id = prog.id"
            " ORDER BY p.id",
            [program_id] if program_id is not None else [],
        )
        rows = cursor.fetchall()
    if not rows:
        return None, "", {}
    generations = {code: generation for *_ignored, code, generation in rows if code is not None}
    stamp = "-".join(str(v) for v in rows[0][1:4]) + ":"
    stamp += ",".join(f"{c}={g}" for c, g in sorted(generations.items()))
    return rows[0][0], stamp, generations


def _current_phase(phases):
    running = [p for p in phases if p.status in ("open", "evaluating")]
    if running:
        return running[0]
    finalized = [p for p in phases if p.status == "finalized"]
    return finalized[-1] if finalized else (phases[0] if phases else None)


def _compute(program) -> dict:

    phases = list(Phase.objects.filter(program=program).order_by("order"))
    current = _current_phase(phases)
    snapshot = (
        StandingsSnapshot.objects.filter(phase=current).order_by("-generation", "-id").first()
        if current
        else None
    )
    consortia = {c.pk: c for c in Consortium.objects.filter(program=program)}
    rows = []
    for row in snapshot.rows() if snapshot else ():
        team = consortia.get(row.consortium_id)
        rows.append(
            {**row.as_dict(), "code": team.code if team else None, "name": team.name if team else row.label}
        )
    lines = [
        {
            "code": line.code,
            "name": line.name,
            "fiscal_year": line.fiscal_year,
            "category": line.category,
            "amount_krw": line.amount_krw,
            "allocated_krw": line.allocated_krw,
            "active_allocated_krw": line.active_allocated_krw,
            "frozen_allocated_krw": line.frozen_allocated_krw,
            "released_krw": line.released_krw,
            "executed_krw": line.executed_krw,
            "pending_krw": line.pending_krw,
            "remaining_krw": line.remaining_krw,
            "unspent_krw": line.unspent_krw,
            "is_illustrative": line.is_illustrative,
        }
        for line in budget_line_figures(program_id=program.pk)
    ]
    return {
        "program": {"code": program.code, "name_ko": program.name_ko, "name_en": program.name_en},
        "phases": [
            {
                "code": p.code,
                "name": p.name,
                "order": p.order,
                "status": p.status,
                "development_start": p.development_start,
                "showcase_on": p.showcase_on,
                "evaluation_start": p.evaluation_start,
                "result_on": p.result_on,
                "teams_in": p.teams_in,
                "teams_advancing": p.teams_advancing,
                "is_illustrative": p.is_illustrative,
            }
            for p in phases
        ],
        "current_phase": current.code if current else None,
        "standings": None
        if snapshot is None
        else {
            "snapshot_id": snapshot.pk,
            "phase": current.code,
            "generation": snapshot.generation,
            "computed_at": snapshot.computed_at,
            "duration_ms": snapshot.duration_ms,
            "trigger": snapshot.trigger,
            "is_official": snapshot.is_official,
            "cut_count": snapshot.cut_count,
            "rows": rows,
        },
        "consortia": {
            status: sum(1 for c in consortia.values() if c.status == status)
            for status in ("active", "eliminated", "withdrawn")
        },
        "budget": {
            "lines": lines,
            "support_by_category": [
                {
                    "consortium": r.consortium_code,
                    "category": r.category,
                    "allocated_krw": r.allocated_krw,
                    "released_krw": r.released_krw,
                    "executed_krw": r.executed_krw,
                }
                for r in consortium_support_by_category(program_id=program.pk)
            ],
            # Apart from the active ones: a frozen allocation's money is no longer the team's to spend.
            "frozen_allocations": [
                {
                    "line": r.line_code,
                    "category": r.category,
                    "consortium": r.consortium_code,
                    "amount_krw": r.amount_krw,
                    "released_krw": r.released_krw,
                    "allocated_krw": r.allocated_krw,
                    "executed_krw": r.executed_krw,
                    "pending_krw": r.pending_krw,
                    "frozen_on": r.frozen_on,
                    "frozen_in_phase": r.frozen_in_phase,
                }
                for r in frozen_allocation_figures(program_id=program.pk)
            ],
            "burn_by_month": [
                {"month": r.month, "executed_krw": r.executed_krw, "pending_krw": r.pending_krw}
                for r in burn_rate_by_month(program_id=program.pk)
            ],
        },
        "gpu": [
            {
                "period": r.period_label,
                "consortium": r.consortium_code,
                "gpu_model": r.gpu_model,
                "gpu_count": r.gpu_count,
                "gpu_hours": r.gpu_hours,
            }
            for r in gpu_by_team_over_time(program_id=program.pk)
        ],
    }


def dashboard_summary(*, program=None) -> dict | None:
    """Dashboard figures (cached) plus freshness computed now. None when no program is loaded."""

    program_id, stamp, generations = _cache_stamp(program.pk if program is not None else None)
    if program_id is None:
        return None
    key = f"dashboard-summary:{program_id}:{stamp}"
    summary = cache.get(key)
    cached = summary is not None
    if summary is None:
        summary = _compute(program or Program.objects.get(pk=program_id))
        cache.set(key, summary, CACHE_SECONDS)
    standings = summary["standings"]
    if standings is not None:
        standings = {
            **standings,
            "is_stale": generations.get(standings["phase"], 0) > standings["generation"],
            "age_seconds": int((timezone.now() - standings["computed_at"]).total_seconds()),
        }
    return {**summary, "standings": standings, "cached": cached, "generated_at": timezone.now()}
