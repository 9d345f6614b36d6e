"""Concurrent writers racing for the last of a cap, a line or an allocation: row locks let exactly one
through (PostgreSQL only)."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

import budget.services.allocations as allocation_services
from budget.models import Allocation, BudgetLine
from budget.selectors import allocation_room
from budget.services import allocation_create
from consortia.models import Consortium
from tests.helpers import BN

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite has no row locks (SELECT ... FOR UPDATE); CI runs this on PostgreSQL",
    ),
]


def _race(world, monkeypatch, *, lines_and_teams):
    """Run allocation_create in two threads at once; each holds its room check open for a moment, which
    would let both pass if the rows were not locked."""
    original_room = allocation_services.allocation_room

    def slow_room(**kwargs):
        room = original_room(**kwargs)
        time.sleep(0.5)
        return room

    monkeypatch.setattr(allocation_services, "allocation_room", slow_room)
    barrier = threading.Barrier(len(lines_and_teams))
    outcomes: list[object] = [None] * len(lines_and_teams)
    staff = world["users"]["staff"]

    def worker(index, line_code, team_code, amount):
        try:
            line = BudgetLine.objects.get(code=line_code)
            team = Consortium.objects.get(code=team_code)
            barrier.wait(timeout=10)
            outcomes[index] = allocation_create(
                line=line,
                consortium=team,
                amount_krw=amount,
                period_start=dt.date(2025, 8, 1),
                period_end=dt.date(2025, 12, 31),
                actor=staff,
            )
        except Exception as exc:  # noqa: BLE001 -- the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, *args)) for i, args in enumerate(lines_and_teams)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _codes(outcomes):
    return sorted(
        "ok"
        if isinstance(o, Allocation)
        else o.error_dict["amount_krw"][0].code
        if isinstance(o, ValidationError)
        else repr(o)
        for o in outcomes
    )


def test_concurrent_allocations_cannot_both_pass_the_per_team_cap(world, monkeypatch):
    # ALPHA holds 3bn of its 5bn data-processing cap; two allocations of 2bn each, on two lines of the
    # category.
    allocation_create(
        line=world["lines"]["processing"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=3 * BN,
        period_start=dt.date(2025, 8, 1),
        period_end=dt.date(2025, 12, 31),
        actor=world["users"]["staff"],
    )
    outcomes = _race(
        world, monkeypatch, lines_and_teams=[("PROC", "ALPHA", 2 * BN), ("PROC-EXTRA", "ALPHA", 2 * BN)]
    )
    assert _codes(outcomes) == ["ok", "team_cap_exceeded"]
    room = allocation_room(
        line=BudgetLine.objects.get(code="PROC"), consortium=Consortium.objects.get(code="ALPHA")
    )
    assert (room.team_allocated_krw, room.team_remaining_krw) == (5 * BN, 0)


def test_concurrent_allocations_cannot_both_pass_the_line_total(world, monkeypatch):
    # 5bn talent line, no cap: two teams ask for 3bn each at the same moment.
    outcomes = _race(
        world, monkeypatch, lines_and_teams=[("TALENT", "ALPHA", 3 * BN), ("TALENT", "BETA", 3 * BN)]
    )
    assert _codes(outcomes) == ["line_total_exceeded", "ok"]
    assert sum(Allocation.objects.filter(line__code="TALENT").values_list("amount_krw", flat=True)) == 3 * BN


def test_concurrent_spending_cannot_both_pass_the_allocation(world, monkeypatch):
    import budget.services.executions as execution_services
    from budget.models import Execution
    from budget.services import execution_record

    allocation = allocation_create(
        line=world["lines"]["purchase"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=10 * BN,
        period_start=dt.date(2025, 8, 1),
        period_end=dt.date(2025, 12, 31),
        actor=world["users"]["staff"],
    )
    original_total = execution_services.allocation_executions_total

    def slow_total(**kwargs):
        total = original_total(**kwargs)
        time.sleep(0.5)
        return total

    monkeypatch.setattr(execution_services, "allocation_executions_total", slow_total)
    barrier = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def worker(index, who):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = execution_record(
                allocation=allocation,
                spent_on=dt.date(2025, 9, 1),
                amount_krw=6 * BN,
                description="archive",
                actor=world["users"][who],
            )
        except Exception as exc:  # noqa: BLE001 -- the outcome is what the test inspects
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, who)) for i, who in enumerate(("alpha", "staff"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    codes = sorted(
        "ok"
        if isinstance(o, Execution)
        else o.error_dict["amount_krw"][0].code
        if isinstance(o, ValidationError)
        else repr(o)
        for o in outcomes
    )
    assert codes == ["allocation_exceeded", "ok"]
    assert sum(Execution.objects.values_list("amount_krw", flat=True)) == 6 * BN
