"""Who sees which standings table: one rule (evaluations.selectors.standings_snapshots_visible_to) behind the
API, the export, the phase page and the dashboard's official table.

The world: P1 was loaded as already finalized (no snapshot marked official, so its latest is its final
table); P2 was finalized in the portal (g1 official) and later recomputed (g2); P3 is still open.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from common.roles import Role
from common.services import user_set_roles
from consortia.models import Consortium, Organization, Program
from consortia.services import affiliation_set
from evaluations.models import Phase, StandingsSnapshot
from evaluations.selectors import (
    standings_official_for,
    standings_snapshots_visible_to,
    standings_tables_visible_to,
    standings_view,
)

pytestmark = pytest.mark.django_db

WORKING_VIEWERS = ("staff", "auditor", "evaluator")
OTHERS = ("member", "user without a role")


@pytest.fixture
def world():
    program = Program.objects.create(
        code="VIS", name_ko="가시성", name_en="Visibility", ministry="MSIT", start_date=dt.date(2026, 1, 5)
    )
    org = Organization.objects.create(name_ko="팀", name_en="Team org", kind="company")
    team = Consortium.objects.create(
        program=program, code="T", name="Team", lead=org, joined_on=dt.date(2026, 1, 5)
    )
    statuses = {"P1": Phase.Status.FINALIZED, "P2": Phase.Status.FINALIZED, "P3": Phase.Status.OPEN}
    phases = {
        code: Phase.objects.create(
            program=program, code=code, order=order, name=code, teams_advancing=1, status=status
        )
        for order, (code, status) in enumerate(statuses.items(), start=1)
    }
    snapshots = {}
    for key, official in (("P1g1", False), ("P1g2", False), ("P2g1", True), ("P2g2", False), ("P3g1", False)):
        snapshots[key] = StandingsSnapshot.objects.create(
            phase=phases[key[:2]],
            generation=int(key[-1]),
            inputs_hash="x",
            computed_at=timezone.now(),
            duration_ms=1,
            trigger="test",
            table=[],
            cut_count=0,
            is_official=official,
        )
    people = {}
    for who, role in (
        ("staff", Role.MINISTRY_STAFF),
        ("auditor", Role.AUDITOR),
        ("evaluator", Role.EVALUATOR),
        ("member", Role.CONSORTIUM_MEMBER),
        ("user without a role", None),
    ):
        user = people[who] = get_user_model().objects.create_user(
            username=who.replace(" ", "-"), password="not-a-real-password-1234"
        )
        if role is not None:
            user_set_roles(user=user, roles=[role])
        affiliation_set(
            user=user, organization=org, consortium=team if role == Role.CONSORTIUM_MEMBER else None
        )
    return {"program": program, "phases": phases, "snapshots": snapshots, "people": people}


def _keys(world, snapshots) -> set[str]:
    names = {s.pk: key for key, s in world["snapshots"].items()}
    return {names[s.pk] for s in snapshots}


@pytest.mark.parametrize("who", WORKING_VIEWERS + OTHERS)
def test_visible_snapshots_and_the_table_per_phase(world, who):
    user = world["people"][who]
    if who in WORKING_VIEWERS:
        assert _keys(world, standings_snapshots_visible_to(user=user)) == set(world["snapshots"])
        assert _keys(world, standings_tables_visible_to(user=user)) == {"P1g2", "P2g2", "P3g1"}
    else:
        # Each finalized phase's final table only: the official one, not the later recompute.
        assert _keys(world, standings_snapshots_visible_to(user=user)) == {"P1g2", "P2g1"}
        assert _keys(world, standings_tables_visible_to(user=user)) == {"P1g2", "P2g1"}


@pytest.mark.parametrize("who", WORKING_VIEWERS + OTHERS)
def test_the_official_table_of_the_program_is_the_same_for_everyone(world, who):
    official = standings_official_for(user=world["people"][who], program_id=world["program"].pk)
    assert official == world["snapshots"]["P2g1"]


def test_the_phase_page_shows_the_same_table_as_the_api(world):
    phases, snapshots, people = world["phases"], world["snapshots"], world["people"]
    assert standings_view(phase_id=phases["P2"].pk, user=people["member"]).snapshot == snapshots["P2g1"]
    assert standings_view(phase_id=phases["P2"].pk, user=people["staff"]).snapshot == snapshots["P2g2"]
    assert standings_view(phase_id=phases["P3"].pk, user=people["member"]).snapshot is None
    client = APIClient()
    client.force_authenticate(people["member"])
    response = client.get("/api/v1/standings/")
    assert response.status_code == 200
    body = response.json()
    ids = {row["id"] for row in body.get("results", body)}
    assert ids == {snapshots["P1g2"].pk, snapshots["P2g1"].pk}
