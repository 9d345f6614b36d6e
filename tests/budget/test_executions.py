"""Executions (spending) against allocations: limits, evidence, approval."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from budget.models import Execution
from budget.services import allocation_create, execution_approve, execution_record, execution_reject
from common.models import AuditEvent
from tests.helpers import BN

pytestmark = pytest.mark.django_db

D = dt.date
SEP_1 = D(2025, 9, 1)
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


@pytest.fixture
def allocation(world):
    return allocation_create(
        line=world["lines"]["purchase"],
        consortium=world["teams"]["ALPHA"],
        amount_krw=10 * BN,
        period_start=D(2025, 8, 1),
        period_end=D(2025, 12, 31),
        actor=world["users"]["staff"],
    )


def _record(world, allocation, *, amount=BN, actor="alpha", spent_on=SEP_1, **extra):
    return execution_record(
        allocation=allocation,
        spent_on=spent_on,
        amount_krw=amount,
        description=extra.pop("description", "Licensed news archive"),
        actor=world["users"][actor],
        **extra,
    )


def test_team_member_records_spending_with_evidence(world, allocation):
    evidence = SimpleUploadedFile("../../invoice 2025-09.pdf", PDF, content_type="application/pdf")
    execution = _record(world, allocation, evidence=evidence)
    execution.refresh_from_db()
    assert (execution.status, execution.amount_krw, execution.recorded_by) == (
        "pending",
        BN,
        world["users"]["alpha"],
    )
    assert execution.evidence_name == "invoice 2025-09.pdf"
    assert execution.evidence_sha256 == hashlib.sha256(PDF).hexdigest()
    assert execution.evidence.name.startswith("budget/evidence/") and execution.evidence.name.endswith(".pdf")
    with execution.evidence.open("rb") as stored:
        assert stored.read() == PDF
    assert AuditEvent.objects.filter(object_type="budget.execution", action="create").count() == 1


def test_staff_may_record_but_another_team_may_not(world, allocation):
    _record(world, allocation, actor="staff")
    for who in ("beta", "auditor", "evaluator"):
        with pytest.raises(PermissionDenied):
            _record(world, allocation, actor=who)
    assert Execution.objects.count() == 1


def test_spending_never_exceeds_the_allocation(world, allocation):
    _record(world, allocation, amount=6 * BN)
    _record(world, allocation, amount=3 * BN)
    with pytest.raises(
        ValidationError,
        match=r"₩1,000,000,001 exceeds what is left of the allocation: "
        r"₩1,000,000,000 of ₩10,000,000,000 remains",
    ) as info:
        _record(world, allocation, amount=BN + 1)
    assert info.value.error_dict["amount_krw"][0].code == "allocation_exceeded"
    _record(world, allocation, amount=BN)
    assert Execution.objects.count() == 3


def test_rejected_spending_frees_its_room(world, allocation):
    first = _record(world, allocation, amount=10 * BN)
    with pytest.raises(ValidationError, match="exceeds what is left"):
        _record(world, allocation, amount=1)
    execution_reject(execution=first, actor=world["users"]["staff"], reason="Invoice is for another project")
    _record(world, allocation, amount=10 * BN)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": 0}, "The amount spent must be positive"),
        ({"amount": -BN}, "The amount spent must be positive"),
        ({"amount": 1e9}, "floating-point"),
        ({"amount": "1e9"}, "must be a whole number of won"),
        ({"description": "  "}, "The description is required."),
        ({"spent_on": "2025-09-01"}, "The date spent must be a date"),
        ({"evidence": SimpleUploadedFile("invoice.exe", b"MZ...")}, "Evidence must be one of .pdf"),
        (
            {"evidence": SimpleUploadedFile("invoice.pdf", b"<html>not a pdf")},
            "invoice.pdf is not really a .pdf file",
        ),
        ({"evidence": SimpleUploadedFile("invoice.pdf", b"")}, "The evidence file is empty."),
    ],
)
def test_bad_spending_is_refused_and_nothing_saved(world, allocation, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        _record(world, allocation, **kwargs)
    assert not Execution.objects.exists()


def test_evidence_over_the_size_limit_is_refused(world, allocation, settings):
    settings.KAI_UPLOAD_MAX_BYTES = 10
    with pytest.raises(ValidationError, match="too large"):
        _record(world, allocation, evidence=SimpleUploadedFile("big.pdf", PDF))
    assert not Execution.objects.exists()


def test_approval_by_ministry_staff_other_than_the_recorder(world, allocation):
    execution = _record(world, allocation, actor="staff")
    with pytest.raises(ValidationError, match="approved by someone other than the person who recorded it"):
        execution_approve(execution=execution, actor=world["users"]["staff"])
    for who in ("alpha", "auditor", "evaluator"):
        with pytest.raises(PermissionDenied):
            execution_approve(execution=execution, actor=world["users"][who])
    approved = execution_approve(execution=execution, actor=world["users"]["staff2"], note="checked")
    assert (approved.status, approved.decided_by, approved.decision_note) == (
        "approved",
        world["users"]["staff2"],
        "checked",
    )
    assert approved.decided_at is not None
    with pytest.raises(ValidationError, match="This spending was already approved."):
        execution_approve(execution=execution, actor=world["users"]["staff2"])
    with pytest.raises(ValidationError, match="This spending was already approved."):
        execution_reject(execution=execution, actor=world["users"]["staff2"], reason="too late")
    assert AuditEvent.objects.filter(object_type="budget.execution", action="approve").count() == 1


def test_reject_needs_a_reason_and_staff(world, allocation):
    execution = _record(world, allocation)
    with pytest.raises(PermissionDenied):
        execution_reject(execution=execution, actor=world["users"]["alpha"], reason="no")
    with pytest.raises(ValidationError, match="The reason for rejecting is required."):
        execution_reject(execution=execution, actor=world["users"]["staff"], reason="")
    rejected = execution_reject(execution=execution, actor=world["users"]["staff"], reason="No evidence")
    assert (rejected.status, rejected.decision_note) == ("rejected", "No evidence")
    event = AuditEvent.objects.filter(object_type="budget.execution").latest("id")
    assert (event.action, event.context["extra"]) == ("update", {"decision": "rejected"})


def test_spending_after_a_departure_is_refused_even_before_the_freeze_runs(world, allocation):
    from consortia.services import consortium_mark_departed

    consortium_mark_departed(
        consortium=world["teams"]["ALPHA"], status="withdrawn", left_on=D(2025, 11, 30), reason="withdrew"
    )
    with pytest.raises(
        ValidationError, match="ALPHA left the program on 2025-11-30; spending dated 2025-12-01"
    ) as info:
        _record(world, allocation, actor="staff", spent_on=D(2025, 12, 1))
    assert info.value.error_dict["spent_on"][0].code == "team_departed"
    _record(world, allocation, actor="staff", spent_on=D(2025, 11, 30))
