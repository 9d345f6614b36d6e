"""manage.py verify_snapshot: the official table follows from the stored inputs, and a change shows."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import Phase, StandingsSnapshot
from evaluations.services import standings_recompute

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("verify_snapshot", *args, stdout=out)
    return out.getvalue()


def test_every_finalized_phase_verifies(kai_program):
    finalized = list(Phase.objects.filter(status=Phase.Status.FINALIZED).values_list("pk", "code"))
    assert finalized
    for pk, _code in finalized:
        standings_recompute(phase_id=pk, trigger="test")
    out = _run()
    for _pk, code in finalized:
        assert f"{code}: " in out and "DIFFERS" not in out
    assert f"{len(finalized)} phase(s) verified" in out


def test_a_table_that_does_not_follow_from_its_inputs_is_reported(kai_program):
    phase = Phase.objects.get(code="P1")
    snapshot = standings_recompute(phase_id=phase.pk, trigger="test").snapshot
    table = snapshot.table
    table[0] = {**table[0], "total": "99.99"}
    StandingsSnapshot.objects.filter(pk=snapshot.pk).update(table=table)
    with pytest.raises(CommandError, match="P1"):
        _run("P1")


def test_an_unknown_phase_is_named(kai_program):
    with pytest.raises(CommandError, match="no such phase: NOPE"):
        _run("NOPE")
