from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from consortia.models import Consortium, FoundationModel, Organization, Partnership
from consortia.selectors import organization_conflicts
from consortia.services import consortium_mark_departed, partnership_add
from tests.factories import (
    ConsortiumFactory,
    FoundationModelFactory,
    OrganizationFactory,
    PartnershipFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def registry(db):
    """A synthetic registry shaped like the program's (the tests use its codes and names, not its file):
    LG, SKT, UPSTAGE and MOTIF (which joined later) active, NCAI eliminated; KAIST a partner of SKT,
    UPSTAGE and MOTIF; the Telecommunications Technology Association in no team; LG's K-EXAONE model."""
    program = ProgramFactory()

    def team(code, lead, **extra):
        return ConsortiumFactory(program=program, code=code, lead=OrganizationFactory(name_en=lead), **extra)

    teams = {
        "LG": team("LG", "LG AI Research"),
        "SKT": team("SKT", "SK Telecom"),
        "UPSTAGE": team("UPSTAGE", "Upstage"),
        "MOTIF": team("MOTIF", "Motif Technologies", joined_on=D(2026, 2, 20), is_wildcard=True),
        "NCAI": team("NCAI", "NC AI", status=Consortium.Status.ELIMINATED, left_on=D(2026, 1, 15)),
    }
    for team_code, lead in (("LG", "LG AI Research"), ("SKT", "SK Telecom")):
        PartnershipFactory(
            consortium=teams[team_code],
            organization=Organization.objects.get(name_en=lead),
            role=Partnership.Role.LEAD,
        )
    kaist = OrganizationFactory(name_en="KAIST", kind=Organization.Kind.UNIVERSITY)
    for team_code in ("SKT", "UPSTAGE", "MOTIF"):
        PartnershipFactory(consortium=teams[team_code], organization=kaist)
    OrganizationFactory(
        name_en="Telecommunications Technology Association", kind=Organization.Kind.PUBLIC_BODY
    )
    OrganizationFactory(name_en="Elice", kind=Organization.Kind.STARTUP)
    FoundationModelFactory(
        consortium=teams["LG"],
        name="K-EXAONE",
        total_parameters=236_000_000_000,
        active_parameters=23_000_000_000,
    )
    return teams


def test_partnership_is_unique_per_pair_in_the_database(registry):
    existing = Partnership.objects.get(consortium__code="SKT", organization__name_en="KAIST")
    with pytest.raises(IntegrityError), transaction.atomic():
        Partnership.objects.create(
            consortium=existing.consortium, organization=existing.organization, joined_on=dt.date(2026, 3, 1)
        )


@pytest.fixture
def registry_admin(django_user_model):
    """A superuser: the registry services accept ministry staff, and a superuser counts as staff."""
    return django_user_model.objects.create_superuser(username="registry-admin", password="x" * 20)


def test_partnership_add_explains_duplicate(registry, registry_admin):
    skt = Consortium.objects.get(code="SKT")
    with pytest.raises(ValidationError, match="KAIST is already in this consortium"):
        partnership_add(
            consortium=skt,
            organization=Organization.objects.get(name_en="KAIST"),
            joined_on=dt.date(2026, 3, 1),
            actor=registry_admin,
        )


def test_partnership_add_refused_for_departed_team(registry, registry_admin):
    ncai = Consortium.objects.get(code="NCAI")
    with pytest.raises(ValidationError, match="no longer active"):
        partnership_add(
            consortium=ncai,
            organization=Organization.objects.get(name_en="Elice"),
            joined_on=dt.date(2026, 3, 1),
            actor=registry_admin,
        )


def test_active_consortium_cannot_have_left_on(registry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consortium.objects.filter(code="LG").update(left_on=dt.date(2026, 1, 1))


def test_departed_consortium_needs_left_on(registry):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consortium.objects.filter(code="LG").update(status=Consortium.Status.WITHDRAWN)


def test_active_parameters_cannot_exceed_total(registry):
    with pytest.raises(IntegrityError), transaction.atomic():
        FoundationModel.objects.filter(name="K-EXAONE").update(active_parameters=300_000_000_000)


def test_consortium_mark_departed_records_phase_and_date(registry):
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


def test_consortium_mark_departed_refuses_leaving_before_joining(registry):
    motif = Consortium.objects.get(code="MOTIF")
    with pytest.raises(ValidationError, match="cannot leave before it joined"):
        consortium_mark_departed(
            consortium=motif, status=Consortium.Status.WITHDRAWN, left_on=dt.date(2026, 1, 1)
        )


def test_organization_conflicts_finds_partner_and_lead(registry):
    kaist = Organization.objects.get(name_en="KAIST")
    tta = Organization.objects.get(name_en="Telecommunications Technology Association")
    lg_research = Organization.objects.get(name_en="LG AI Research")
    upstage = Consortium.objects.get(code="UPSTAGE")
    lg = Consortium.objects.get(code="LG")
    assert organization_conflicts(organization_id=kaist.pk, consortium_id=upstage.pk).role == "partner"
    assert organization_conflicts(organization_id=lg_research.pk, consortium_id=lg.pk).role == "lead"
    assert organization_conflicts(organization_id=tta.pk, consortium_id=upstage.pk) is None


def test_organization_conflicts_among_answers_every_pair_in_one_query(registry, django_assert_num_queries):
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
