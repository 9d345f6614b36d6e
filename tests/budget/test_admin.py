"""The admin shows the ledger read-only and approves spending only through the service."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from budget.models import Execution
from budget.services import allocation_create, execution_record
from tests.helpers import BN

pytestmark = pytest.mark.django_db


@pytest.fixture
def execution(world):
    allocation = allocation_create(
        line=world["lines"]["purchase"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=BN,
        period_start=dt.date(2025, 8, 1),
        period_end=dt.date(2025, 12, 31),
        actor=world["users"]["staff"],
    )
    return execution_record(
        allocation=allocation,
        spent_on=dt.date(2025, 9, 1),
        amount_krw=BN // 2,
        description="archive",
        actor=world["users"]["alpha"],
    )


@pytest.fixture
def admin_client(client, world):
    staff = world["users"]["staff"]
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    client.force_login(staff)
    return client


@pytest.mark.parametrize(
    "model",
    ["budgetline", "categorycap", "referencefigure", "gpunote", "allocation", "execution", "gpuusagereport"],
)
def test_admin_lists_load_and_offer_no_add(admin_client, execution, model):
    response = admin_client.get(reverse(f"admin:budget_{model}_changelist"))
    assert response.status_code == 200
    assert admin_client.get(reverse(f"admin:budget_{model}_add")).status_code == 403


def test_admin_action_approves_through_the_service(admin_client, execution, world):
    admin_client.cookies["django_language"] = "en"
    url = reverse("admin:budget_execution_changelist")
    response = admin_client.post(
        url, {"action": "approve_selected", "_selected_action": [execution.pk]}, follow=True
    )
    assert response.status_code == 200
    execution.refresh_from_db()
    assert (execution.status, execution.decided_by) == ("approved", world["users"]["staff"])
    # A second approval is refused by the service and reported, not applied twice.
    response = admin_client.post(
        url, {"action": "approve_selected", "_selected_action": [execution.pk]}, follow=True
    )
    assert [m.message for m in response.context["messages"]] == [
        f"#{execution.pk}: This spending was already approved."
    ]
    assert Execution.objects.get().status == "approved"
