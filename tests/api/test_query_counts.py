"""Every list endpoint runs the same number of SQL queries whatever the table size and page size."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common.roles import Role

pytestmark = pytest.mark.django_db


def _grow(role_users, n: int) -> None:
    """Add n rows to every table behind a list endpoint, directly (the services are tested elsewhere)."""
    from budget.models import Allocation, BudgetLine, Execution, GpuUsageEntry, GpuUsageReport
    from common.audit import audit_record
    from common.services import api_token_create
    from consortia.models import Consortium, Organization, Partnership, Program
    from evaluations.models import (
        Benchmark,
        CriterionScore,
        DeadlineExtension,
        EvaluatorAssignment,
        Phase,
        ReferenceScore,
        ResultRow,
        ResultUpload,
        RubricCriterion,
        ScoreSheet,
        StandingsSnapshot,
    )

    staff, member = role_users[Role.MINISTRY_STAFF], role_users[Role.CONSORTIUM_MEMBER]
    evaluator = role_users[Role.EVALUATOR]
    program = Program.objects.get()
    lg = Consortium.objects.get(code="LG")
    p2 = Phase.objects.get(code="P2")
    now = timezone.now()
    base = Consortium.objects.count()
    criterion = RubricCriterion.objects.filter(component__phase=p2, component__key="expert").first()
    line = BudgetLine.objects.get(code="FY25-DATA")
    for i in range(n):
        org = Organization.objects.create(
            name_ko=f"기관{base}-{i}", name_en=f"Org {base}-{i}", kind="company"
        )
        team = Consortium.objects.create(
            program=program, code=f"T{base}{i}", name=f"Team {i}", lead=org, joined_on=dt.date(2026, 3, 1)
        )
        Partnership.objects.create(
            consortium=team, organization=org, role="lead", joined_on=dt.date(2026, 3, 1)
        )
        Partnership.objects.create(consortium=lg, organization=org, joined_on=dt.date(2026, 3, 1))
        bench = Benchmark.objects.create(code=f"B{base}-{i}", name=f"B{i}", category="knowledge")
        ReferenceScore.objects.create(benchmark=bench, reference_model="X", score=Decimal("50"))
        upload = ResultUpload.objects.create(
            phase=p2,
            consortium=lg,
            uploaded_by=member,
            uploaded_at=now,
            file="x.csv",
            display_name="x.csv",
            sha256="0" * 64,
            size=1,
            format="csv",
            encoding="utf-8",
            row_count=1,
            is_current=False,
        )
        ResultRow.objects.create(upload=upload, benchmark=bench, score=Decimal("1"), source_row=2)
        assignment = EvaluatorAssignment.objects.create(
            phase=p2, consortium=team, evaluator=evaluator, assigned_by=staff, assigned_at=now
        )
        sheet = ScoreSheet.objects.create(assignment=assignment, updated_at=now)
        DeadlineExtension.objects.create(
            phase=p2, consortium=team, deadline=now, reason="x", granted_by=staff, granted_at=now
        )
        CriterionScore.objects.create(sheet=sheet, criterion=criterion, points=Decimal("1"))
        StandingsSnapshot.objects.create(
            phase=p2,
            generation=10_000 + base * 100 + i,
            inputs_hash="x",
            computed_at=now,
            duration_ms=1,
            trigger="t",
            table=[],
            cut_count=0,
        )
        allocation = Allocation.objects.create(
            line=line,
            consortium=lg,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 1, 2),
            planned_period_end=dt.date(2026, 1, 2),
            amount_krw=1,
        )
        Execution.objects.create(
            allocation=allocation,
            spent_on=dt.date(2026, 1, 1),
            amount_krw=1,
            description="x",
            recorded_by=member,
            recorded_at=now,
        )
        report = GpuUsageReport.objects.create(
            consortium=lg,
            file="x.csv",
            filename="x.csv",
            sha256="0" * 64,
            size_bytes=1,
            row_count=1,
            uploaded_by=member,
            uploaded_at=now,
        )
        GpuUsageEntry.objects.create(
            report=report,
            consortium=lg,
            month=dt.date(2000 + base, 1, 1) + dt.timedelta(days=32 * i),
            gpu_model="B200",
            gpu_hours=Decimal("1"),
            row_number=2,
        )
        BudgetLine.objects.create(
            program=program,
            code=f"L{base}-{i}",
            name="x",
            fiscal_year=2026,
            category="operations",
            amount_krw=1,
        )
        audit_record(actor=staff, action="create", object_type="test.x", object_id=i)
        api_token_create(user=staff, name=f"t{i}")


LISTS = [
    ("/api/v1/organizations/", Role.EVALUATOR),
    ("/api/v1/consortia/", Role.EVALUATOR),
    ("/api/v1/phases/", Role.EVALUATOR),
    ("/api/v1/benchmarks/", Role.EVALUATOR),
    ("/api/v1/result-uploads/", Role.AUDITOR),
    ("/api/v1/assignments/", Role.AUDITOR),
    ("/api/v1/score-sheets/", Role.AUDITOR),
    ("/api/v1/standings/", Role.AUDITOR),
    ("/api/v1/standings-snapshots/", Role.AUDITOR),
    ("/api/v1/gate-results/", Role.AUDITOR),
    ("/api/v1/deadline-extensions/", Role.AUDITOR),
    ("/api/v1/panel-results/", Role.AUDITOR),
    ("/api/v1/budget-lines/", Role.AUDITOR),
    ("/api/v1/allocations/", Role.AUDITOR),
    ("/api/v1/executions/", Role.AUDITOR),
    ("/api/v1/gpu-usage/", Role.AUDITOR),
    ("/api/v1/audit-events/", Role.AUDITOR),
    ("/api/v1/tokens/", Role.MINISTRY_STAFF),
]


def _count(client, url, params, role_users) -> int:
    # Every count includes reading the caller's roles and team: they are remembered for one request only
    # (common.user_cache), even though the test client hands the same user object to each request.
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, (url, response.content[:300])
    return len(ctx.captured_queries)


def test_list_endpoints_query_count_does_not_grow(api_as, role_users, django_assert_max_num_queries):
    _grow(role_users, 2)
    small = {url: _count(api_as(role), url, {"limit": 5, "page_size": 5}, role_users) for url, role in LISTS}
    _grow(role_users, 12)
    grown = {
        url: _count(api_as(role), url, {"limit": 200, "page_size": 200}, role_users) for url, role in LISTS
    }
    assert grown == small
    for url, role in LISTS:
        with django_assert_max_num_queries(small[url]):
            api_as(role).get(url, {"history": "true"})
    assert max(small.values()) <= 10, small
