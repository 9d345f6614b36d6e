"""Registry pages through Django's test client: organisations (list for every role, create and edit for
staff), partners joining and leaving on the consortium page, a team's withdrawal with its confirmation, and
a conflict of interest that a joining partner creates, shown at once on the phase's assignment page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from budget.models import Allocation
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Consortium, Organization, Partnership
from evaluations.models import Phase
from tests.p2_data import EVALUATOR_ORG

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(client, role_users):
    """as_role(role) -> the test client signed in as that role's user, pages in English."""

    def factory(role: Role):
        client.force_login(role_users[role])
        client.cookies["django_language"] = "en"
        return client

    return factory


def _lg() -> Consortium:
    return Consortium.objects.get(code="LG")


# --- Organisations ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_organization_list_and_only_staff_get_the_edit_links(as_role, role):
    body = as_role(role).get(reverse("consortia:organizations"), {"kind": "university"}).content.decode()
    assert "KAIST" in body
    assert "Telecommunications Technology Association" not in body  # a public body, filtered out
    assert ('data-testid="organization-create"' in body) == (role == Role.MINISTRY_STAFF)


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_only_staff_open_the_organization_forms(as_role, role):
    client = as_role(role)
    kaist = Organization.objects.get(name_en="KAIST")
    assert client.get(reverse("consortia:organization-create")).status_code == 403
    assert client.post(reverse("consortia:organization-edit", args=[kaist.pk]), {}).status_code == 403


def test_staff_create_an_organization_and_a_duplicate_is_refused_on_the_form(as_role):
    client = as_role(Role.MINISTRY_STAFF)
    url = reverse("consortia:organization-create")
    assert client.get(url).status_code == 200
    data = {"name_ko": "시험기관", "name_en": "Test Body", "kind": "public_body", "country": "KR"}
    response = client.post(url, data)
    assert response.status_code == 302
    assert Organization.objects.get(name_en="Test Body").name_ko == "시험기관"
    response = client.post(url, {**data, "name_en": "test body"})
    assert response.status_code == 200
    assert response.context["form"].errors == {
        "name_en": ["An organization with the English name “Test Body” already exists."]
    }
    assert Organization.objects.filter(name_en__iexact="test body").count() == 1


def test_staff_edit_an_organization(as_role):
    client = as_role(Role.MINISTRY_STAFF)
    kaist = Organization.objects.get(name_en="KAIST")
    url = reverse("consortia:organization-edit", args=[kaist.pk])
    assert 'value="KAIST"' in client.get(url).content.decode()
    response = client.post(
        url, {"name_ko": "카이스트", "name_en": "KAIST", "kind": "university", "country": "KR"}
    )
    assert response.status_code == 302
    kaist.refresh_from_db()
    assert kaist.name_ko == "카이스트"


# --- Partners join and leave -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.EVALUATOR, Role.CONSORTIUM_MEMBER])
def test_the_change_forms_are_for_staff_only(as_role, role):
    client = as_role(role)
    lg = _lg()
    assert (
        'data-testid="registry-changes"'
        not in client.get(reverse("consortia:detail", args=[lg.pk])).content.decode()
    )
    nia = Organization.objects.get(name_en=EVALUATOR_ORG)
    response = client.post(
        reverse("consortia:partner-join", args=[lg.pk]),
        {"join-organization": nia.pk, "join-joined_on": "2026-03-01"},
    )
    assert response.status_code == 403
    assert client.get(reverse("consortium-withdraw-page", args=[lg.pk])).status_code == 403
    assert not Partnership.objects.filter(organization=nia).exists()


def test_staff_record_a_partner_joining_and_leaving(as_role):
    client = as_role(Role.MINISTRY_STAFF)
    lg = _lg()
    detail = reverse("consortia:detail", args=[lg.pk])
    assert 'data-testid="partner-join"' in client.get(detail).content.decode()
    nia = Organization.objects.get(name_en=EVALUATOR_ORG)
    response = client.post(
        reverse("consortia:partner-join", args=[lg.pk]),
        {"join-organization": nia.pk, "join-role": "partner", "join-joined_on": "2026-03-01"},
    )
    assert response.status_code == 302
    partnership = Partnership.objects.get(consortium=lg, organization=nia)
    leave = reverse("consortia:partner-leave", args=[lg.pk, partnership.pk])
    prefix = f"leave-{partnership.pk}"
    response = client.post(leave, {f"{prefix}-left_on": "2026-02-01"})
    assert response.status_code == 200
    forms = dict((p.pk, f) for p, f in response.context["leave_rows"])
    assert forms[partnership.pk].errors == {
        "left_on": ["A partner cannot leave before it joined (2026-03-01)."]
    }
    partnership.refresh_from_db()
    assert partnership.left_on is None
    assert client.post(leave, {f"{prefix}-left_on": "2026-06-30"}).status_code == 302
    partnership.refresh_from_db()
    assert str(partnership.left_on) == "2026-06-30"
    assert "left the consortium" in client.get(detail).content.decode()


def test_a_lead_role_for_another_organization_is_refused_on_the_form(as_role):
    client = as_role(Role.MINISTRY_STAFF)
    lg = _lg()
    nia = Organization.objects.get(name_en=EVALUATOR_ORG)
    response = client.post(
        reverse("consortia:partner-join", args=[lg.pk]),
        {"join-organization": nia.pk, "join-role": "lead", "join-joined_on": "2026-03-01"},
    )
    assert response.status_code == 200
    assert list(response.context["join_form"].errors) == ["role"]
    assert not Partnership.objects.filter(organization=nia).exists()


# --- A team withdraws ----------------------------------------------------------------------------------


def test_staff_record_a_withdrawal_after_the_confirmation(as_role):
    client = as_role(Role.MINISTRY_STAFF)
    upstage = Consortium.objects.get(code="UPSTAGE")
    url = reverse("consortium-withdraw-page", args=[upstage.pk])
    page = client.get(url).content.decode()
    active = Allocation.objects.filter(consortium=upstage, status="active").count()
    assert f"Its {active} active allocations are frozen" in page
    assert Phase.objects.get(code="P2").name in page
    response = client.post(url, {"left_on": "2026-03-15", "reason": "Merged"})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["confirm"]
    response = client.post(url, {"left_on": "2026-03-15", "reason": " ", "confirm": "on"})
    assert list(response.context["form"].errors) == ["reason"]
    upstage.refresh_from_db()
    assert upstage.status == "active"
    response = client.post(url, {"left_on": "2026-03-15", "reason": "Merged", "confirm": "on"})
    assert response.status_code == 302
    upstage.refresh_from_db()
    assert (upstage.status, upstage.exit_reason) == ("withdrawn", "Merged")
    assert not Allocation.objects.filter(consortium=upstage, status="active").exists()
    assert AuditEvent.objects.filter(
        object_type="consortia.consortium", object_id=str(upstage.pk), action="update"
    ).exists()
    body = client.get(reverse("consortia:detail", args=[upstage.pk])).content.decode()
    assert "Merged" in body and 'data-testid="partner-join"' not in body


# --- Conflicts of interest on the assignment page --------------------------------------------------------


def _conflict_cell(body: str, evaluator_name: str, team_code: str) -> str:
    """The text of the conflict table's cell for this evaluator's row and team's column."""
    table = body[body.index('data-testid="conflicts"') :]
    row = next(r for r in table.split("<tr>") if evaluator_name in r)
    cell = re.search(rf'<td data-team="{team_code}">(.*?)</td>', row, re.S)
    assert cell is not None, row
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def test_a_partner_joining_shows_a_conflict_at_once_on_the_assignment_page(as_role, make_evaluator):
    evaluator = make_evaluator(EVALUATOR_ORG)
    evaluator.first_name, evaluator.last_name = "Min", "Kimtester"
    evaluator.save(update_fields=["first_name", "last_name"])
    client = as_role(Role.MINISTRY_STAFF)
    lg = _lg()
    assign = reverse("evaluations:assign", args=[Phase.objects.get(code="P2").pk])
    assert _conflict_cell(client.get(assign).content.decode(), "Kimtester", "LG").startswith("✓")
    nia = Organization.objects.get(name_en=EVALUATOR_ORG)
    client.post(
        reverse("consortia:partner-join", args=[lg.pk]),
        {"join-organization": nia.pk, "join-role": "partner", "join-joined_on": "2026-03-01"},
    )
    body = client.get(assign).content.decode()
    assert _conflict_cell(body, "Kimtester", "LG") == "✗ Conflict (Partner)"
    assert _conflict_cell(body, "Kimtester", "SKT").startswith("✓")
    # Leaving does not clear it: a former partner keeps a stake in the team's result (the conflict rule);
    # the page says since when it is a former one.
    partnership = Partnership.objects.get(consortium=lg, organization=nia)
    client.post(
        reverse("consortia:partner-leave", args=[lg.pk, partnership.pk]),
        {f"leave-{partnership.pk}-left_on": "2026-04-30"},
    )
    body = client.get(assign).content.decode()
    assert _conflict_cell(body, "Kimtester", "LG") == "✗ Conflict (Partner, left 2026-04-30)"
