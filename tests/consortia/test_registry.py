"""Registry services: organisations created and edited, partners joining and leaving, a team's withdrawal.
Each is staff-only, refuses bad input naming the field and saving nothing, and writes its audit event."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from budget.models import Allocation
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium, Organization, Partnership
from consortia.services import organization_create, organization_update, partnership_add, partnership_end
from evaluations.models import Phase
from portal.services import consortium_withdraw

pytestmark = pytest.mark.django_db

D = dt.date


def _org(name_en: str) -> Organization:
    return Organization.objects.get(name_en=name_en)


def _team(code: str) -> Consortium:
    return Consortium.objects.get(code=code)


def _events(actor, **filters) -> list[AuditEvent]:
    """The events ``actor`` caused (the program load's own events are the system actor's)."""
    return list(AuditEvent.objects.filter(actor_id=actor.pk, **filters).order_by("id"))


# --- Organisations -------------------------------------------------------------------------------------


def test_organization_create_records_it_with_an_audit_event(staff):
    organization = organization_create(
        name_ko=" 한국전자통신연구원 ",
        name_en="Electronics and Telecommunications Research Institute (test)",
        kind="research_institute",
        country="kr",
        actor=staff,
    )
    assert (organization.name_ko, organization.name_en, organization.kind, organization.country) == (
        "한국전자통신연구원",
        "Electronics and Telecommunications Research Institute (test)",
        "research_institute",
        "KR",
    )
    [event] = _events(staff, object_type="consortia.organization", object_id=str(organization.pk))
    assert (event.action, event.actor_id, event.after["name_en"]) == (
        "create",
        staff.pk,
        "Electronics and Telecommunications Research Institute (test)",
    )


def test_organization_create_refuses_a_duplicate_english_name_naming_the_field(staff):
    before = Organization.objects.count()
    with pytest.raises(ValidationError) as caught:
        organization_create(name_ko="카이스트", name_en="kaist", kind="university", actor=staff)
    assert caught.value.message_dict == {
        "name_en": ["An organization with the English name “KAIST” already exists."]
    }
    assert Organization.objects.count() == before
    assert not _events(staff, object_type="consortia.organization")


def test_organization_create_names_every_bad_field(staff):
    with pytest.raises(ValidationError) as caught:
        organization_create(name_ko=" ", name_en="New Org", kind="guild", country="Korea", actor=staff)
    assert sorted(caught.value.message_dict) == ["country", "kind", "name_ko"]
    assert not Organization.objects.filter(name_en="New Org").exists()


def test_organization_services_are_staff_only(kai_program, make_user):
    auditor = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    with pytest.raises(PermissionDenied):
        organization_create(name_ko="x", name_en="X Corp", kind="company", actor=auditor)
    with pytest.raises(PermissionDenied):
        organization_update(organization=_org("KAIST"), name_ko="x", actor=auditor)
    assert not Organization.objects.filter(name_en="X Corp").exists()


def test_organization_update_changes_the_given_fields_with_before_and_after(staff):
    kaist = _org("KAIST")
    old_ko = kaist.name_ko
    updated = organization_update(organization=kaist, name_ko="한국과학기술원", country="kr", actor=staff)
    assert (updated.name_ko, updated.country, updated.name_en) == ("한국과학기술원", "KR", "KAIST")
    [event] = _events(staff, object_type="consortia.organization", object_id=str(kaist.pk))
    assert (event.action, event.before["name_ko"], event.after["name_ko"]) == (
        "update",
        old_ko,
        "한국과학기술원",
    )


def test_organization_update_refuses_another_organizations_english_name(staff):
    kaist = _org("KAIST")
    with pytest.raises(ValidationError) as caught:
        organization_update(organization=kaist, name_en="Elice", name_ko="바뀜", actor=staff)
    assert list(caught.value.message_dict) == ["name_en"]
    kaist.refresh_from_db()
    assert (kaist.name_en, kaist.name_ko) != ("Elice", "바뀜")
    # Its own name, in another case, is not a duplicate.
    assert organization_update(organization=kaist, name_en="KAIST", actor=staff).name_en == "KAIST"


# --- Partners join and leave ---------------------------------------------------------------------------


def test_partnership_add_records_role_and_date_with_an_audit_event(staff):
    lg, nia = _team("LG"), _org("National Information Society Agency")
    partnership = partnership_add(
        consortium=lg,
        organization=nia,
        role="partner",
        contribution="data",
        joined_on=D(2026, 3, 1),
        actor=staff,
    )
    assert (partnership.role, partnership.joined_on, partnership.left_on) == ("partner", D(2026, 3, 1), None)
    [event] = _events(staff, object_type="consortia.partnership", object_id=str(partnership.pk))
    assert (event.action, event.after["organization"], event.after["joined_on"]) == (
        "create",
        nia.pk,
        "2026-03-01",
    )


def test_partnership_add_refuses_an_active_partner_joining_twice(staff):
    skt = _team("SKT")
    current = (
        skt.partnerships.filter(role="partner", left_on__isnull=True).select_related("organization").first()
    )
    with pytest.raises(ValidationError) as caught:
        partnership_add(
            consortium=skt, organization=current.organization, joined_on=D(2026, 3, 1), actor=staff
        )
    assert list(caught.value.message_dict) == ["organization"]
    assert "already in this consortium" in caught.value.message_dict["organization"][0]
    assert Partnership.objects.filter(consortium=skt, organization=current.organization).count() == 1


def test_partnership_add_refuses_a_second_lead_naming_the_role(staff):
    with pytest.raises(ValidationError) as caught:
        partnership_add(
            consortium=_team("LG"),
            organization=_org("National Information Society Agency"),
            role="lead",
            joined_on=D(2026, 3, 1),
            actor=staff,
        )
    assert list(caught.value.message_dict) == ["role"]
    assert not Partnership.objects.filter(
        organization__name_en="National Information Society Agency"
    ).exists()


def test_partnership_add_refused_for_a_team_that_left(staff):
    with pytest.raises(ValidationError, match="no longer active"):
        partnership_add(
            consortium=_team("NCAI"),
            organization=_org("National Information Society Agency"),
            joined_on=D(2026, 3, 1),
            actor=staff,
        )


def test_partnership_end_records_the_leaving_date(staff):
    joined = partnership_add(
        consortium=_team("LG"),
        organization=_org("National Information Society Agency"),
        joined_on=D(2026, 3, 1),
        actor=staff,
    )
    ended = partnership_end(partnership=joined, left_on=D(2026, 6, 30), actor=staff)
    assert ended.left_on == D(2026, 6, 30)
    event = _events(staff, object_type="consortia.partnership", object_id=str(joined.pk))[-1]
    assert (event.action, event.before, event.after) == (
        "update",
        {"left_on": None},
        {"left_on": "2026-06-30"},
    )
    # A former partner cannot join again: its row keeps the history (one row per organisation and team).
    with pytest.raises(ValidationError) as caught:
        partnership_add(
            consortium=_team("LG"), organization=joined.organization, joined_on=D(2026, 9, 1), actor=staff
        )
    assert "until 2026-06-30" in caught.value.message_dict["organization"][0]


def test_partnership_end_refuses_leaving_before_joining_and_twice(staff):
    joined = partnership_add(
        consortium=_team("LG"),
        organization=_org("National Information Society Agency"),
        joined_on=D(2026, 3, 1),
        actor=staff,
    )
    with pytest.raises(ValidationError) as caught:
        partnership_end(partnership=joined, left_on=D(2026, 2, 28), actor=staff)
    assert caught.value.message_dict == {"left_on": ["A partner cannot leave before it joined (2026-03-01)."]}
    joined.refresh_from_db()
    assert joined.left_on is None
    partnership_end(partnership=joined, left_on=D(2026, 3, 1), actor=staff)
    with pytest.raises(ValidationError) as caught:
        partnership_end(partnership=joined, left_on=D(2026, 4, 1), actor=staff)
    assert list(caught.value.message_dict) == ["partnership"]


def test_the_lead_cannot_leave_its_own_team(staff):
    lead = Partnership.objects.get(consortium__code="LG", role="lead")
    with pytest.raises(ValidationError, match="withdrawal"):
        partnership_end(partnership=lead, left_on=D(2026, 3, 1), actor=staff)


def test_partnership_services_are_staff_only(kai_program, make_user):
    member = make_user(Role.CONSORTIUM_MEMBER, organization="LG AI Research", consortium="LG")
    with pytest.raises(PermissionDenied):
        partnership_add(
            consortium=_team("LG"),
            organization=_org("National Information Society Agency"),
            joined_on=D(2026, 3, 1),
            actor=member,
        )
    partner = Partnership.objects.filter(consortium__code="LG", role="partner").first()
    with pytest.raises(PermissionDenied):
        partnership_end(partnership=partner, left_on=D(2026, 3, 1), actor=member)


# --- A team withdraws ------------------------------------------------------------------------------------


def test_withdrawal_marks_the_team_freezes_its_support_and_stales_its_running_phases(
    staff, django_capture_on_commit_callbacks
):
    upstage = _team("UPSTAGE")
    p2 = Phase.objects.get(code="P2")
    active = list(Allocation.objects.filter(consortium=upstage, status="active").order_by("pk"))
    assert active
    generation = p2.standings_generation
    with django_capture_on_commit_callbacks() as callbacks:
        team = consortium_withdraw(
            consortium=upstage, left_on=D(2026, 3, 15), reason="Merged into another team", actor=staff
        )
    assert (team.status, team.left_on, team.exit_reason, team.left_in_phase) == (
        "withdrawn",
        D(2026, 3, 15),
        "Merged into another team",
        None,
    )
    assert set(Allocation.objects.filter(pk__in=[a.pk for a in active]).values_list("status", flat=True)) == {
        "frozen"
    }
    assert all(
        a.frozen_on == D(2026, 3, 15) for a in Allocation.objects.filter(pk__in=[a.pk for a in active])
    )
    p2.refresh_from_db()
    assert p2.standings_generation == generation + 1
    assert len(callbacks) == 1  # the recompute of P2, the one running phase UPSTAGE is in
    [departure] = _events(staff, object_type="consortia.consortium", object_id=str(upstage.pk))
    assert (departure.actor_id, departure.before["status"], departure.after["status"]) == (
        staff.pk,
        "active",
        "withdrawn",
    )
    assert len(_events(staff, object_type="budget.allocation", action="freeze")) == len(active)
    # Withdrawn: no partner can join it any more.
    with pytest.raises(ValidationError, match="no longer active"):
        partnership_add(
            consortium=team,
            organization=_org("National Information Society Agency"),
            joined_on=D(2026, 4, 1),
            actor=staff,
        )


def test_withdrawal_needs_a_reason_and_a_date_after_joining_and_saves_nothing(staff):
    motif = _team("MOTIF")
    with pytest.raises(ValidationError) as caught:
        consortium_withdraw(consortium=motif, left_on=D(2026, 1, 1), reason="  ", actor=staff)
    assert sorted(caught.value.message_dict) == ["left_on", "reason"]
    assert caught.value.message_dict["left_on"] == [
        "A team cannot withdraw before it joined the program (2026-02-20)."
    ]
    motif.refresh_from_db()
    assert motif.status == "active"
    assert Allocation.objects.filter(consortium=motif, status="active").exists()
    assert not _events(staff, object_type="consortia.consortium")


def test_withdrawal_of_a_team_that_left_is_refused(staff):
    with pytest.raises(ValidationError, match="already left"):
        consortium_withdraw(consortium=_team("NCAI"), left_on=D(2026, 3, 1), reason="x", actor=staff)


def test_withdrawal_is_staff_only(kai_program, make_user):
    auditor = make_user(Role.AUDITOR, organization="Board of Audit and Inspection")
    with pytest.raises(PermissionDenied):
        consortium_withdraw(consortium=_team("LG"), left_on=D(2026, 3, 1), reason="x", actor=auditor)
    assert _team("LG").status == "active"
