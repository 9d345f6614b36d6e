from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consortia.models import Consortium, FoundationModel, Organization, Partnership
from consortia.selectors import organization_conflicts
from consortia.services import consortium_mark_departed, partnership_add

pytestmark = pytest.mark.django_db


def test_partnership_is_unique_per_pair_in_the_database(kai_program):
    existing = Partnership.objects.get(consortium__code="SKT", organization__name_en="KAIST")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            consortium=existing.consortium, organization=existing.organization, joined_on=dt.date(2026, 3, 1)
        )


def test_partnership_add_explains_duplicate(kai_program):
    skt = Consortium.objects.get(code="SKT")
    with pytest.raises(ValidationError, match="This organization is already in this consortium."):
        partnership_add(
            consortium=skt,
            organization=Organization.objects.get(name_en="KAIST"),
            joined_on=dt.date(2026, 3, 1),
        )


def test_partnership_add_refused_for_departed_team(kai_program):
    ncai = Consortium.objects.get(code="NCAI")
    with pytest.raises(ValidationError, match="no longer active"):
        partnership_add(
            consortium=ncai,
            organization=Organization.objects.get(name_en="Elice"),
            joined_on=dt.date(2026, 3, 1),
        )


def test_active_consortium_cannot_have_left_on(kai_program):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consortium.objects.filter(code="LG").update(left_on=dt.date(2026, 1, 1))


def test_departed_consortium_needs_left_on(kai_program):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consortium.objects.filter(code="LG").update(status=Consortium.Status.WITHDRAWN)


def test_active_parameters_cannot_exceed_total(kai_program):
    with pytest.raises(IntegrityError), transaction.atomic():
        FoundationModel.objects.filter(name="K-EXAONE").update(active_parameters=300_000_000_000)


def test_consortium_mark_departed_records_phase_and_date(kai_program):
    skt = Consortium.objects.get(code="SKT")
    departed = consortium_mark_departed(
        consortium=skt, status=Consortium.Status.WITHDRAWN, left_on=dt.date(2026, 9, 1), reason="withdrew"
    )
    assert (departed.status, departed.left_on, departed.exit_reason) == (
        "withdrawn",
        dt.date(2026, 9, 1),
        "withdrew",
    )
    with pytest.raises(ValidationError, match="already left"):
        consortium_mark_departed(
            consortium=skt, status=Consortium.Status.WITHDRAWN, left_on=dt.date(2026, 9, 2)
        )


def test_consortium_mark_departed_refuses_leaving_before_joining(kai_program):
    motif = Consortium.objects.get(code="MOTIF")
    with pytest.raises(ValidationError, match="cannot leave before it joined"):
        consortium_mark_departed(
            consortium=motif, status=Consortium.Status.WITHDRAWN, left_on=dt.date(2026, 1, 1)
        )


def test_organization_conflicts_finds_partner_and_lead(kai_program):
    kaist = Organization.objects.get(name_en="KAIST")
    tta = Organization.objects.get(name_en="Telecommunications Technology Association")
    lg_research = Organization.objects.get(name_en="LG AI Research")
    upstage = Consortium.objects.get(code="UPSTAGE")
    lg = Consortium.objects.get(code="LG")
    assert organization_conflicts(organization_id=kaist.pk, consortium_id=upstage.pk).role == "partner"
    assert organization_conflicts(organization_id=lg_research.pk, consortium_id=lg.pk).role == "lead"
    assert organization_conflicts(organization_id=tta.pk, consortium_id=upstage.pk) is None


def test_organization_conflicts_among_answers_every_pair_in_one_query(kai_program, django_assert_num_queries):
    from consortia.selectors import organization_conflicts_among

    kaist = Organization.objects.get(name_en="KAIST")
    tta = Organization.objects.get(name_en="Telecommunications Technology Association")
    teams = list(Consortium.objects.filter(code__in=["LG", "SKT", "UPSTAGE", "MOTIF"]))
    with django_assert_num_queries(1):
        found = organization_conflicts_among(
            organization_ids=[kaist.pk, tta.pk], consortium_ids=[t.pk for t in teams]
        )
    assert sorted(Consortium.objects.get(pk=c).code for (o, c) in found) == ["MOTIF", "SKT", "UPSTAGE"]
    assert all(o == kaist.pk for (o, c) in found)
