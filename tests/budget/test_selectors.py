"""Dashboard figures (exact values, fixed query counts) and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest

from budget.selectors import (
    BurnRow,
    SupportRow,
    allocation_list_visible_to,
    budget_line_figures,
    budget_line_list_visible_to,
    burn_rate_by_month,
    consortium_support_by_category,
    execution_list_visible_to,
    gpu_by_team_over_time,
    gpu_usage_by_month,
    gpu_usage_list_visible_to,
    gpu_usage_report_list_visible_to,
)
from budget.services import (
    allocation_create,
    execution_approve,
    execution_record,
    execution_reject,
    gpu_usage_upload,
)
from common.user_cache import user_cache_scope
from tests.helpers import BN

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def ledger(world):
    staff, users, teams, lines = world["users"]["staff"], world["users"], world["teams"], world["lines"]

    def allocate(line, team, amount, **extra):
        return allocation_create(
            line=lines[line],
            consortium=teams[team],
            amount_krw=amount,
            period_start=extra.pop("start", D(2025, 8, 1)),
            period_end=extra.pop("end", D(2025, 12, 31)),
            actor=staff,
            **extra,
        )

    def spend(allocation, amount, on, who):
        return execution_record(
            allocation=allocation, spent_on=on, amount_krw=amount, description="spend", actor=users[who]
        )

    alpha = allocate("processing", "ALPHA", 3 * BN)
    beta = allocate("processing", "BETA", 2 * BN)
    allocate("gpu", "ALPHA", BN, start=D(2026, 1, 1), end=D(2026, 6, 30), gpu_model="B200", gpu_count=512)
    execution_approve(execution=spend(alpha, BN, D(2025, 9, 3), "alpha"), actor=staff)
    spend(alpha, BN // 2, D(2025, 10, 7), "alpha")
    execution_approve(execution=spend(beta, 2 * BN, D(2025, 9, 30), "beta"), actor=staff)
    execution_reject(execution=spend(alpha, BN, D(2025, 10, 9), "alpha"), actor=staff, reason="duplicate")
    gpu_usage_upload(
        consortium=teams["ALPHA"],
        file=_csv("month,gpu_model,gpu_hours\n2026-01,B200,1000\n2026-02,B200,2000\n"),
        actor=users["alpha"],
    )
    return world


def _csv(text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("usage.csv", text.encode())


def test_budget_line_figures(ledger):
    program_id = ledger["lines"]["gpu"].program_id
    figures = {line.code: line for line in budget_line_figures(program_id=program_id)}
    proc = figures["PROC"]
    assert (proc.amount_krw, proc.allocated_krw, proc.executed_krw, proc.pending_krw, proc.released_krw) == (
        30 * BN,
        5 * BN,
        3 * BN,
        BN // 2,
        0,
    )
    assert (proc.remaining_krw, proc.unspent_krw) == (25 * BN, 5 * BN - 3 * BN - BN // 2)
    untouched = figures["TALENT"]
    assert (untouched.allocated_krw, untouched.executed_krw, untouched.remaining_krw) == (0, 0, 5 * BN)
    assert [line.code for line in budget_line_figures(program_id=program_id, fiscal_year=2026)] == []


def test_consortium_support_by_category(ledger):
    rows = consortium_support_by_category(program_id=ledger["lines"]["gpu"].program_id)
    assert rows == [
        SupportRow(ledger["teams"]["ALPHA"].pk, "ALPHA", "data_processing", 3 * BN, 0, BN),
        SupportRow(ledger["teams"]["ALPHA"].pk, "ALPHA", "gpu", BN, 0, 0),
        SupportRow(ledger["teams"]["BETA"].pk, "BETA", "data_processing", 2 * BN, 0, 2 * BN),
    ]


def test_gpu_by_team_over_time_and_reported_usage(ledger):
    program_id = ledger["lines"]["gpu"].program_id
    [row] = gpu_by_team_over_time(program_id=program_id)
    assert (row.consortium_code, row.period_label, row.gpu_model, row.gpu_count, row.gpu_hours) == (
        "ALPHA",
        "2026H1",
        "B200",
        512,
        512 * 24 * 181,
    )
    usage = [
        (r.consortium_code, r.month, r.gpu_model, r.gpu_hours)
        for r in gpu_usage_by_month(program_id=program_id)
    ]
    assert usage == [("ALPHA", D(2026, 1, 1), "B200", 1000), ("ALPHA", D(2026, 2, 1), "B200", 2000)]


def test_burn_rate_by_month(ledger):
    program_id = ledger["lines"]["gpu"].program_id
    assert burn_rate_by_month(program_id=program_id) == [
        BurnRow(D(2025, 9, 1), 3 * BN, 0),
        BurnRow(D(2025, 10, 1), 0, BN // 2),  # the rejected October spending does not count
    ]
    assert burn_rate_by_month(program_id=program_id, visible_to=ledger["users"]["beta"]) == [
        BurnRow(D(2025, 9, 1), 2 * BN, 0)
    ]


def _grow(world, n):
    """n more allocations per team on the data lines, each with an approved and a pending execution."""
    from budget.models import Allocation, Execution

    staff = world["users"]["staff"]
    for team in ("ALPHA", "BETA"):
        for i in range(n):
            allocation = Allocation.objects.create(
                line=world["lines"]["purchase"],
                consortium=world["teams"][team],
                period_start=D(2025, 8, 1),
                period_end=D(2025, 12, 31),
                planned_period_end=D(2025, 12, 31),
                amount_krw=1000,
            )
            for status, month in (("approved", 8 + i % 5), ("pending", 9)):
                Execution.objects.create(
                    allocation=allocation,
                    spent_on=D(2025, month, 2),
                    amount_krw=10,
                    description="x",
                    status=status,
                    recorded_by=staff,
                    recorded_at="2025-09-01T00:00Z",
                    decided_at=None if status == "pending" else "2025-09-02T00:00Z",
                )
        allocation_create(
            line=world["lines"]["gpu"],
            consortium=world["teams"][team],
            amount_krw=1000,
            period_start=D(2025, 7, 1),
            period_end=D(2025, 12, 31),
            gpu_model="H200",
            gpu_count=8 + n,
            actor=staff,
        )


@pytest.mark.parametrize("n", [1, 20])
def test_dashboard_figures_use_a_fixed_number_of_queries(ledger, n, django_assert_max_num_queries):
    _grow(ledger, n)
    program_id = ledger["lines"]["gpu"].program_id
    with django_assert_max_num_queries(1):
        lines = list(budget_line_figures(program_id=program_id))
    assert sum(line.executed_krw for line in lines) == 3 * BN + 2 * n * 10
    with django_assert_max_num_queries(2):
        support = consortium_support_by_category(program_id=program_id)
    assert {(r.consortium_code, r.category) for r in support} >= {("ALPHA", "data_purchase"), ("BETA", "gpu")}
    with django_assert_max_num_queries(1):
        gpu = gpu_by_team_over_time(program_id=program_id)
    assert {(r.consortium_code, r.period_label, r.gpu_count) for r in gpu if r.gpu_model == "H200"} == {
        ("ALPHA", "2025H2", 8 + n),
        ("BETA", "2025H2", 8 + n),
    }
    with django_assert_max_num_queries(1):
        burn = burn_rate_by_month(program_id=program_id)
    assert sum(row.executed_krw + row.pending_krw for row in burn) == 3 * BN + BN // 2 + 4 * n * 10
    with django_assert_max_num_queries(1):
        gpu_usage_by_month(program_id=program_id)
    staff = ledger["users"]["staff"]
    # As in one request: the first list reads the caller's roles, the second reuses them (common.user_cache).
    with user_cache_scope():
        with django_assert_max_num_queries(3):
            allocations = list(allocation_list_visible_to(user=staff, program_id=program_id))
            assert len(allocations) == 3 + 2 * n + 2
            [(a.consortium.code, a.line.code, a.executed_krw, a.gpu_hours) for a in allocations]
        with django_assert_max_num_queries(1):
            executions = list(execution_list_visible_to(user=staff, program_id=program_id))
            [
                (e.allocation.consortium.code, e.allocation.line.code, e.recorded_by.username)
                for e in executions
            ]


def test_allocation_list_annotations(ledger):
    rows = {
        (a.consortium.code, a.line.code): a for a in allocation_list_visible_to(user=ledger["users"]["staff"])
    }
    alpha = rows[("ALPHA", "PROC")]
    assert (alpha.executed_krw, alpha.pending_krw, alpha.gpu_hours) == (BN, BN // 2, 0)
    assert rows[("ALPHA", "GPU")].gpu_hours == 512 * 24 * 181


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        ("staff", {"ALPHA", "BETA"}),
        ("auditor", {"ALPHA", "BETA"}),
        ("alpha", {"ALPHA"}),
        ("beta", {"BETA"}),
        ("evaluator", set()),
    ],
)
def test_visibility(ledger, who, visible):
    user = ledger["users"][who]
    assert {a.consortium.code for a in allocation_list_visible_to(user=user)} == visible
    assert {e.allocation.consortium.code for e in execution_list_visible_to(user=user)} == visible
    usage_teams = visible & {"ALPHA"}
    assert {e.consortium.code for e in gpu_usage_list_visible_to(user=user)} == usage_teams
    assert {r.consortium.code for r in gpu_usage_report_list_visible_to(user=user)} == usage_teams
    assert budget_line_list_visible_to(user=user).exists() is (who != "evaluator")


def test_anonymous_users_see_nothing(ledger):
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not allocation_list_visible_to(user=anonymous).exists()
    assert not execution_list_visible_to(user=anonymous).exists()
    assert not budget_line_list_visible_to(user=anonymous).exists()


def test_gpu_usage_history_is_visible_on_request(ledger):
    alpha = ledger["users"]["alpha"]
    gpu_usage_upload(
        consortium=ledger["teams"]["ALPHA"],
        file=_csv("month,gpu_model,gpu_hours\n2026-01,B200,999\n"),
        actor=alpha,
    )
    assert gpu_usage_list_visible_to(user=alpha).count() == 2
    assert gpu_usage_list_visible_to(user=alpha, current_only=False).count() == 3
