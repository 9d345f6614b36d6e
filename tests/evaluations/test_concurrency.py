"""Two evaluator sessions saving the same score sheet at the same moment, on real PostgreSQL
connections: one wins, the other is refused as stale; nothing is overwritten silently."""

from __future__ import annotations

import threading
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from evaluations import services
from evaluations.models import ScoreSheet
from tests.p2_data import p2_criteria, team


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent PostgreSQL transactions")
@pytest.mark.django_db(transaction=True)
def test_concurrent_saves_of_one_sheet_one_wins_one_is_stale(p2, staff, make_evaluator):
    evaluator = make_evaluator()
    assignment = services.evaluator_assign(phase=p2, consortium=team("LG"), evaluator=evaluator, actor=staff)
    sheet_id = ScoreSheet.objects.get(assignment=assignment).pk
    technology = p2_criteria()[0]
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def save(tab: str, points: str) -> None:
        try:
            sheet = ScoreSheet.objects.select_related("assignment").get(pk=sheet_id)
            barrier.wait(timeout=10)
            services.score_sheet_save(
                sheet=sheet,
                actor=evaluator,
                expected_version=1,
                scores=[services.ScoreInput(technology.pk, D(points), tab)],
            )
            outcomes[tab] = "saved"
        except ValidationError as exc:
            outcomes[tab] = exc.code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(tab, points)) for tab, points in (("a", "11"), ("b", "4"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(tab for tab, result in outcomes.items() if result == "saved")
    sheet = ScoreSheet.objects.get(pk=sheet_id)
    assert sheet.version == 2
    assert sheet.scores.get().comment == winner
