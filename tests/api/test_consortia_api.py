"""The consortia list is built from rows, not through ConsortiumSerializer: it must say exactly what the
serializer says (the schema and the detail endpoint come from the serializer) in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from common.roles import Role
from consortia.api.serializers import ConsortiumSerializer
from consortia.api.views import ConsortiumViewSet
from consortia.models import Consortium, FoundationModel, Organization, Partnership

pytestmark = pytest.mark.django_db


def _serializer_json(consortia) -> list[dict]:
    """ConsortiumSerializer's answer for these consortia, from the viewset's own queryset (as the detail)."""
    by_id = {c.pk: c for c in ConsortiumViewSet().get_queryset().filter(pk__in=[c["id"] for c in consortia])}
    data = ConsortiumSerializer([by_id[c["id"]] for c in consortia], many=True).data
    # Through JSON, as a client sees it (the renderer's view of dates, nulls and nested lists).
    return json.loads(json.dumps(data))


def _odd_team(program) -> None:
    """A team with every nullable field empty and full, a partner that left, and two models of one name."""
    org = Organization.objects.create(
        name_ko="이상한 팀", name_en="Odd Team Org", kind="startup", country="US"
    )
    team = Consortium.objects.create(
        program=program,
        code="ODD",
        name='Odd <team> & "quotes"',
        lead=org,
        joined_on=dt.date(2025, 8, 4),
        status=Consortium.Status.WITHDRAWN,
        left_on=dt.date(2026, 1, 2),
        exit_reason="줄바꿈\nand emoji 🚀",
        is_illustrative=True,
        source_note="note",
    )
    Partnership.objects.create(consortium=team, organization=org, role="lead", joined_on=dt.date(2025, 8, 4))
    Partnership.objects.create(
        consortium=team,
        organization=Organization.objects.get(name_en="KAIST"),
        joined_on=dt.date(2025, 8, 4),
        left_on=dt.date(2025, 12, 31),
        contribution="data",
    )
    for version in ("2", "1"):
        FoundationModel.objects.create(
            consortium=team,
            name="Same",
            version=version,
            total_parameters=10**12,
            active_parameters=None,
            context_length=None,
            modalities=["text", "image"],
            released_on=dt.date(2026, 1, 1) if version == "1" else None,
        )


def test_consortia_list_says_what_the_serializer_says(api_as, kai_program):
    _odd_team(kai_program)
    client = api_as(Role.AUDITOR)
    for params in ({}, {"ordering": "-joined_on"}, {"status": "withdrawn"}, {"limit": 2, "offset": 3}):
        body = client.get("/api/v1/consortia/", params).json()
        assert body["results"], params
        assert body["results"] == _serializer_json(body["results"]), params
    everything = client.get("/api/v1/consortia/", {"limit": 100}).json()
    assert everything["count"] == 7
    odd = next(c for c in everything["results"] if c["code"] == "ODD")
    assert [m["version"] for m in odd["models"]] == ["2", "1"]  # same name: in the order they were added
    assert [p["organization"]["name_en"] for p in odd["partners"]] == ["Odd Team Org", "KAIST"]
    for consortium in everything["results"]:
        assert client.get(f"/api/v1/consortia/{consortium['id']}/").json() == consortium


def test_consortia_list_queries_are_few_and_fixed(api_as, kai_program, django_assert_max_num_queries):
    client = api_as(Role.EVALUATOR)
    client.get("/api/v1/consortia/")  # the user's roles are then read once per request, like ping
    # Roles, the page (with leads, exit phases and the total), partners, models.
    with django_assert_max_num_queries(4):
        body = client.get("/api/v1/consortia/", {"limit": 100}).json()
    assert body["count"] == 6 and sum(len(c["partners"]) for c in body["results"]) == 73
    with django_assert_max_num_queries(4):
        page = client.get("/api/v1/consortia/", {"limit": 2, "offset": 2, "ordering": "code"}).json()
    assert page["count"] == 6 and len(page["results"]) == 2 and page["next"] and page["previous"]
    # Past the end the page is empty, and only then is the total counted on its own.
    with django_assert_max_num_queries(3):
        beyond = client.get("/api/v1/consortia/", {"offset": 10}).json()
    assert beyond["count"] == 6 and beyond["results"] == []
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/consortia/", {"q": "no such team"}).json()["count"] == 0
    with django_assert_max_num_queries(3):
        assert client.get("/api/v1/consortia/", {"status": "nonexistent"}).status_code == 400
