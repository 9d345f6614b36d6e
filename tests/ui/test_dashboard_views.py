"""The ministry dashboard's live parts: standings of the current phase (and what each role may see of
them), the "recomputing…" state and its htmx polling, budget and GPU figures with their chart data, and
query budgets that do not grow with the number of rows. Pages are read in English (language cookie)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.test import Client
from django.utils import timezone

from budget import services as budget_services
from budget.models import BudgetLine
from common.roles import Role
from consortia.models import Consortium
from evaluations.models import Phase, StandingsSnapshot
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db

D = dt.date


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _text(response) -> str:
    return response.content.decode()


@pytest.fixture
def dashboard_users(make_user, kai_program):
    # What the worker does after the program is loaded (on-commit tasks never run inside a test transaction).
    for phase in Phase.objects.filter(standings_generation__gt=0):
        standings_recompute(phase_id=phase.pk, trigger="program file load")
    return {
        "staff": make_user(Role.MINISTRY_STAFF),
        "staff2": make_user(Role.MINISTRY_STAFF),
        "auditor": make_user(Role.AUDITOR, organization="Board of Audit and Inspection"),
        "evaluator": make_user(Role.EVALUATOR, organization="Telecommunications Technology Association"),
        "lg": make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG"),
    }


def _section(body: str, testid: str) -> str:
    match = re.search(rf'<section[^>]*data-testid="{testid}".*?</section>', body, re.S)
    return match.group(0) if match else ""


def _chart(body: str, chart_id: str) -> dict:
    raw = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', body, re.S).group(1)
    return json.loads(raw)


def _rows(section: str) -> list[list[str]]:
    """The standings table as text cells per team row (tags stripped, whitespace squeezed)."""
    table = re.search(r'data-testid="standings-table".*?<tbody>(.*?)</tbody>', section, re.S).group(1)
    rows = []
    for row in re.findall(r'<tr class="outcome-row[^"]*">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells])
    return rows


def _p2() -> Phase:
    return Phase.objects.get(code="P2")


def _bump(phase: Phase) -> None:
    """What every input change does: the generation moves on, the snapshot is now stale."""
    Phase.objects.filter(pk=phase.pk).update(standings_generation=F("standings_generation") + 1)


# --- Standings: who sees what ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "auditor", "evaluator"])
def test_staff_auditors_and_evaluators_see_the_current_phases_working_table(dashboard_users, who):
    body = _text(_client(dashboard_users[who]).get("/"))
    section = _section(body, "standings")
    assert "Standings: 2차 단계평가" in section
    assert "Working table: outcomes are provisional until the phase is finalized" in section
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', section, re.S)
    assert [" ".join(re.sub(r"<[^>]+>", " ", h).split()) for h in headers] == [
        "Rank",
        "Consortium",
        "Outcome",
        "벤치마크 평가 (40)",
        "전문가 평가 (35)",
        "사용자 평가 (25)",
        "Total",
        "Frontier ratio",
        "Meets threshold",
        "Gate: 독자성 (from-scratch originality)",
    ]
    rows = _rows(section)
    assert [row[1] for row in rows] == [
        "LG AI연구원 컨소시엄",
        "모티프테크놀로지스 컨소시엄",
        "SK텔레콤 컨소시엄",
        "업스테이지 컨소시엄",
    ]
    assert rows[0] == ["—", "LG AI연구원 컨소시엄", "Not ranked", "—", "—", "—", "—", "—", "—", "Not decided"]
    # Not ranked, with what is missing.
    assert section.count("Missing:") == 4
    assert (
        "no evaluators assigned for expert; no panel result for user; gate originality not decided" in section
    )
    # A long list (every benchmark result still missing) shows its first three and folds the rest away.
    assert len(re.findall(r"<details><summary>and \d+ more items</summary>", section)) == 4
    assert "No team is ranked yet, so there is no chart of total points." in section
    assert 'data-testid="standings-withheld"' not in section


def test_members_do_not_see_working_standings_but_the_last_final_table(dashboard_users):
    body = _text(_client(dashboard_users["lg"]).get("/"))
    section = _section(body, "standings")
    assert "Final standings: 1차 단계평가" in section and "Standings: 2차 단계평가" not in section
    assert "The working standings of 2차 단계평가 are internal until the phase is finalized" in section
    rows = _rows(section)
    assert [(row[0], row[1], row[2]) for row in rows] == [
        ("1", "LG AI연구원 컨소시엄", "Advances"),
        ("2", "네이버클라우드 컨소시엄", "Disqualified by gate Ranked but ineligible"),
        ("3", "SK텔레콤 컨소시엄", "Advances"),
        ("4", "업스테이지 컨소시엄", "Advances"),
        ("5", "NC AI 컨소시엄", "Eliminated on points"),
    ]
    assert rows[0][3:7] == ["33.60", "31.60", "25.00", "90.20"]
    assert rows[1][-1] == "✗ Failed" and rows[0][-1] == "✓ Passed"
    assert "1 team is below the cut line on points." in section
    chart = _chart(body, "standings-chart")
    assert chart["unit"] == "points" and chart["labels"][0] == "LG AI연구원 컨소시엄"
    assert chart["datasets"][0]["data"] == [90.2, 80.4, 79.2, 78.6, 70.2]
    # The polling endpoint applies the same rule.
    partial = _text(_client(dashboard_users["lg"]).get("/dashboard/standings/", HTTP_HX_REQUEST="true"))
    assert "Final standings: 1차 단계평가" in partial and "<html" not in partial


def test_frontier_ratio_threshold_and_official_mark_are_shown(dashboard_users):
    phase = _p2()
    _bump(phase)
    lg, motif = Consortium.objects.get(code="LG"), Consortium.objects.get(code="MOTIF")

    def row(team, total, ratio, meets, rank, outcome, gate):
        return {
            "consortium_id": team.pk,
            "label": team.code,
            "components": [
                {"key": "benchmark", "weight": "40.00", "points": "38.00"},
                {"key": "expert", "weight": "35.00", "points": "30.00"},
                {"key": "user", "weight": "25.00", "points": "20.00"},
            ],
            "total": total,
            "frontier_ratio": ratio,
            "meets_frontier_threshold": meets,
            "gates": [{"key": "originality", "passed": gate}],
            "rank": rank,
            "outcome": outcome,
            "missing": [],
        }

    StandingsSnapshot.objects.create(
        phase=phase,
        generation=2,
        inputs_hash="0" * 64,
        computed_at=timezone.now(),
        duration_ms=5,
        trigger="test",
        table=[
            row(lg, "88.00", "0.9712", True, 1, "advances", True),
            row(motif, "88.00", "0.9104", False, 1, "disqualified_by_gate", False),
        ],
        cut_count=0,
        is_official=True,
    )
    section = _section(_text(_client(dashboard_users["staff"]).get("/")), "standings")
    rows = _rows(section)
    assert rows[0][7:] == ["97.1%", "✓ Yes", "✓ Passed"]
    assert rows[1][2] == "Disqualified by gate Ranked but ineligible" and rows[1][7:9] == ["91%", "✗ No"]
    assert '<span class="badge badge--finalized">Official</span>' in section
    assert "recomputing" not in section


# --- Freshness and the recomputing state -------------------------------------------------------------


def test_fresh_snapshot_shows_when_it_was_computed_and_does_not_poll(dashboard_users):
    snapshot = StandingsSnapshot.objects.filter(phase=_p2()).latest()
    body = _text(_client(dashboard_users["staff"]).get("/"))
    section = _section(body, "standings")
    seoul = timezone.localtime(snapshot.computed_at, timezone=dt.timezone(dt.timedelta(hours=9)))
    assert f"Computed at {seoul:%Y-%m-%d %H:%M:%S} KST" in section
    assert "inputs generation 1" in section
    assert "hx-trigger" not in section and 'data-testid="recomputing"' not in section


def test_stale_snapshot_shows_recomputing_and_polls_until_the_new_table_arrives(dashboard_users):
    phase = _p2()
    _bump(phase)
    _bump(phase)
    client = _client(dashboard_users["staff"])
    section = _section(_text(client.get("/")), "standings")
    assert 'hx-get="/dashboard/standings/" hx-trigger="every 3s" hx-swap="outerHTML"' in section
    recomputing = re.search(
        r'<div class="recomputing" role="status" data-testid="recomputing">.*?</div>', section, re.S
    )
    recomputing = recomputing.group(0)
    assert "<progress" in recomputing
    text = " ".join(re.sub(r"<[^>]+>", " ", recomputing).split())
    assert (
        "Waiting for the standings worker: the inputs changed 2 times after this table was computed "
        "(table generation 1, inputs generation 3)." in text
    )
    assert "Last checked at" in text
    assert "%" not in text  # no made-up progress figure
    # The previous table stays visible meanwhile.
    assert len(_rows(section)) == 4
    # Each poll answers with the same polling section while the worker has not written the new table...
    partial = _text(client.get("/dashboard/standings/", HTTP_HX_REQUEST="true"))
    assert "<html" not in partial and 'hx-trigger="every 3s"' in partial
    # ...and once it has, with the fresh table and no trigger, which ends the polling.
    assert standings_recompute(phase_id=phase.pk, trigger="test").status == "written"
    partial = _text(client.get("/dashboard/standings/", HTTP_HX_REQUEST="true"))
    assert "hx-trigger" not in partial and 'data-testid="recomputing"' not in partial
    assert "The standings are up to date: the new table is shown below." in partial
    assert "inputs generation 3" in partial


def test_first_table_pending_polls_too(dashboard_users):
    phase = _p2()
    StandingsSnapshot.objects.filter(phase=phase).delete()
    section = _section(_text(_client(dashboard_users["staff"]).get("/")), "standings")
    assert 'hx-trigger="every 3s"' in section
    assert "Waiting for the standings worker to compute the first table of this phase" in section


def test_standings_partial_requires_a_portal_role(client, make_user, kai_program):
    assert client.get("/dashboard/standings/").status_code == 302
    client.force_login(make_user(None))
    assert client.get("/dashboard/standings/").status_code == 403


# --- Budget and GPUs ---------------------------------------------------------------------------------


def _budget_cells(section: str, category: str) -> list[str]:
    row = re.search(rf"<tr>\s*<th scope=\"row\">{category}</th>(.*?)</tr>", section, re.S).group(1)
    return re.findall(r'<span class="krw-exact">([^<]+)</span>', row)


@pytest.mark.parametrize("who", ["staff", "auditor"])
def test_staff_and_auditors_see_budget_per_category_every_team_and_gpus(dashboard_users, who):
    body = _text(_client(dashboard_users[who]).get("/"))
    budget = _section(body, "dashboard-budget")
    # amount, allocated, executed, pending, remaining
    assert _budget_cells(budget, "GPU") == [
        "₩157,600,000,000",
        "₩156,844,800,000",
        "₩0",
        "₩0",
        "₩755,200,000",
    ]
    assert '<span class="krw-short">₩156.84bn</span>' in budget
    support = re.search(r'data-testid="support-table".*?</table>', budget, re.S).group(0)
    assert re.findall(r'<th scope="row">([^<]+)</th>', support) == [
        "LG AI연구원 컨소시엄",
        "모티프테크놀로지스 컨소시엄",
        "NC AI 컨소시엄",
        "업스테이지 컨소시엄",
    ]
    chart = _chart(body, "budget-chart")
    assert chart["unit"] == "krw" and chart["labels"] == [
        "GPU",
        "Data purchase",
        "Talent matching",
        "Broadcast data",
    ]
    assert chart["datasets"][0]["data"] == [156_844_800_000, 0, 0, 0]
    gpu = _section(body, "dashboard-gpu")
    assert "2025H2" in gpu and "512 × B200" in gpu and "768 × B200" in gpu and "500 × H200" in gpu
    gpu_chart = _chart(body, "gpu-chart")
    assert gpu_chart["labels"] == ["2025H2", "2026H1"]
    assert {d["label"]: d["data"] for d in gpu_chart["datasets"]} == {
        "LG AI연구원 컨소시엄": [512, 1024],
        "모티프테크놀로지스 컨소시엄": [None, 768],
        "NC AI 컨소시엄": [500, None],
        "업스테이지 컨소시엄": [480, 1024],
    }
    assert "No spending has been recorded yet." in budget and "burn-chart" not in body


def test_members_see_program_lines_but_only_their_own_teams_support(dashboard_users):
    allocation = budget_services.allocation_create(
        line=BudgetLine.objects.get(code="FY25-DATA"),
        consortium=Consortium.objects.get(code="UPSTAGE"),
        amount_krw=2_000_000_000,
        period_start=D(2025, 9, 1),
        period_end=D(2025, 12, 31),
        actor=dashboard_users["staff"],
    )
    assert allocation.pk
    body = _text(_client(dashboard_users["lg"]).get("/"))
    budget = _section(body, "dashboard-budget")
    assert "Program-wide figures per category (all teams together)" in budget
    support = re.search(r'data-testid="support-table".*?</table>', budget, re.S).group(0)
    assert re.findall(r'<th scope="row">([^<]+)</th>', support) == ["LG AI연구원 컨소시엄"]
    assert "업스테이지" not in _section(body, "dashboard-gpu")
    assert [d["label"] for d in _chart(body, "gpu-chart")["datasets"]] == ["LG AI연구원 컨소시엄"]


def test_evaluators_see_no_budget(dashboard_users):
    body = _text(_client(dashboard_users["evaluator"]).get("/"))
    budget = _section(body, "dashboard-budget")
    assert "Budget figures are not shown to your role." in budget
    assert (
        "krw-exact" not in body and "budget-chart" not in body and 'data-testid="dashboard-gpu"' not in body
    )


def test_a_new_allocation_and_spending_change_the_figures_at_once(dashboard_users):
    client = _client(dashboard_users["staff"])
    body = _text(client.get("/"))  # fills the cache
    assert _budget_cells(_section(body, "dashboard-budget"), "Data purchase")[1] == "₩0"
    allocation = budget_services.allocation_create(
        line=BudgetLine.objects.get(code="FY25-DATA"),
        consortium=Consortium.objects.get(code="LG"),
        amount_krw=5_000_000_000,
        period_start=D(2025, 9, 1),
        period_end=D(2025, 12, 31),
        actor=dashboard_users["staff"],
    )
    execution = budget_services.execution_record(
        allocation=allocation,
        spent_on=D(2025, 10, 5),
        amount_krw=700_000_000,
        description="x",
        actor=dashboard_users["lg"],
    )
    budget_services.execution_approve(execution=execution, actor=dashboard_users["staff"])
    budget_services.execution_record(
        allocation=allocation,
        spent_on=D(2025, 11, 5),
        amount_krw=300_000_000,
        description="y",
        actor=dashboard_users["lg"],
    )
    body = _text(client.get("/"))
    budget = _section(body, "dashboard-budget")
    assert _budget_cells(budget, "Data purchase") == [
        "₩30,000,000,000",
        "₩5,000,000,000",
        "₩700,000,000",
        "₩300,000,000",
        "₩25,000,000,000",
    ]
    burn = re.search(r'data-testid="burn-table".*?</table>', budget, re.S).group(0)
    assert re.findall(r"<tr><th[^>]*>([^<]+)</th><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td></tr>", burn) == [
        ("2025-10", "₩700,000,000", "₩0"),
        ("2025-11", "₩0", "₩300,000,000"),
    ]
    burn_chart = _chart(body, "burn-chart")
    assert burn_chart["stacked"] is True and burn_chart["datasets"][0]["data"] == [700_000_000, 0]


@pytest.mark.parametrize("who", ["staff", "lg", "evaluator", "auditor"])
def test_dashboard_has_no_inline_script_or_style(dashboard_users, who):
    _bump(_p2())  # the polling state too
    body = _text(_client(dashboard_users[who]).get("/"))
    assert " style=" not in body and "<style" not in body
    for tag in re.findall(r"<script[^>]*>", body):
        assert ' src="/static/' in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"<[^>]+\son[a-z]+=", body)


# --- Query budgets -----------------------------------------------------------------------------------


def _grow(dashboard_users, teams: int) -> None:
    """More teams with allocations, spending and standings rows than the real program."""
    from consortia.models import Organization, Partnership

    program = Consortium.objects.get(code="LG").program
    line = BudgetLine.objects.get(code="FY25-DATA")
    start = Consortium.objects.filter(code__startswith="SYN").count()
    for i in range(start, start + teams):
        lead = Organization.objects.create(name_ko=f"합성 {i}", name_en=f"Synthetic {i}", kind="company")
        team = Consortium.objects.create(
            program=program, code=f"SYN{i}", name=f"합성 컨소시엄 {i}", lead=lead, joined_on=D(2025, 8, 4)
        )
        Partnership.objects.create(consortium=team, organization=lead, role="lead", joined_on=team.joined_on)
        allocation = budget_services.allocation_create(
            line=line,
            consortium=team,
            amount_krw=10_000_000 + i,
            period_start=D(2025, 9, 1),
            period_end=D(2025, 12, 31),
            actor=dashboard_users["staff"],
        )
        execution = budget_services.execution_record(
            allocation=allocation,
            spent_on=D(2025, 9 + i % 4, 1),
            amount_krw=1_000,
            description="x",
            actor=dashboard_users["staff"],
        )
        budget_services.execution_approve(execution=execution, actor=dashboard_users["staff2"])
    snapshot = StandingsSnapshot.objects.filter(phase=_p2()).latest()
    extra = [
        {**snapshot.table[0], "consortium_id": team.pk, "label": team.code}
        for team in Consortium.objects.filter(code__startswith="SYN")
    ]
    StandingsSnapshot.objects.filter(pk=snapshot.pk).update(table=snapshot.table + extra)


@pytest.mark.parametrize(("who", "path"), [("staff", "/"), ("lg", "/"), ("staff", "/dashboard/standings/")])
def test_dashboard_query_count_does_not_grow_with_teams_and_spending(
    dashboard_users, django_assert_max_num_queries, who, path
):
    client = _client(dashboard_users[who])
    _grow(dashboard_users, 1)
    client.get(path)
    cache.clear()  # measure the uncached path (the summary is computed again)
    with django_assert_max_num_queries(25) as small:
        assert client.get(path).status_code == 200
    _grow(dashboard_users, 6)
    cache.clear()
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = _text(client.get(path))
    if who == "staff":
        assert "합성 컨소시엄 5" in body
