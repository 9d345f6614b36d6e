from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from common.audit import audit_chain_verify, audit_record
from common.models import AuditEvent
from common.roles import Role
from consortia.models import Organization
from tests.factories import ConsortiumFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(make_user):
    """Three chained events: staff update a consortium, staff export, the system freezes."""
    OrganizationFactory(name_en="Ministry of Science and ICT", kind=Organization.Kind.PUBLIC_BODY)
    staff = make_user(Role.MINISTRY_STAFF)
    lg = ConsortiumFactory(code="LG")
    return [
        audit_record(
            actor=staff, action="update", target=lg, before={"strategy": "a"}, after={"strategy": "b"}
        ),
        audit_record(actor=staff, action="export", object_type="export.standings", extra={"rows": 5}),
        audit_record(actor=None, action="freeze", target=lg, after={"frozen": True}),
    ]


def test_events_are_chained(events):
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit_chain_verify() == (3, None, "")
    call_command("verify_audit_chain")


def test_update_is_refused_by_the_database(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[0].pk).update(object_repr="tampered")


def test_delete_is_refused_by_the_database(events):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=events[1].pk).delete()


def _tamper(sql: str, params: list) -> None:
    """Alter a row the way an attacker with table-owner rights would: triggers off, write, triggers on."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE common_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE common_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER common_auditevent_no_update")
            cursor.execute("DROP TRIGGER common_auditevent_no_delete")
            cursor.execute(sql, params)


def test_verify_reports_the_first_altered_row(events):
    _tamper("UPDATE common_auditevent SET after = %s WHERE id = %s", ['{"strategy": "forged"}', events[0].pk])
    checked, broken, reason = audit_chain_verify()
    assert (checked, broken.pk) == (0, events[0].pk)
    assert "altered" in reason
    with pytest.raises(CommandError, match=rf"audit chain broken at event #{events[0].pk} "):
        call_command("verify_audit_chain")


def test_verify_reports_a_removed_row(events):
    _tamper("DELETE FROM common_auditevent WHERE id = %s", [events[1].pk])
    checked, broken, reason = audit_chain_verify()
    assert (checked, broken.pk) == (1, events[2].pk)
    assert "removed" in reason


def test_request_context_is_recorded():
    from common.audit import reset_request_context, set_request_context

    request = (
        __import__("django.test", fromlist=["RequestFactory"])
        .RequestFactory()
        .post("/x/", HTTP_X_FORWARDED_FOR="203.0.113.9")
    )
    token = set_request_context(request)
    try:
        event = audit_record(actor=None, action="create", object_type="test.thing", object_id=1)
    finally:
        reset_request_context(token)
    assert event.context["method"] == "POST" and event.context["path"] == "/x/"
    assert event.context["ip"] == "203.0.113.9"


def test_snapshot_handles_empty_file_fields():
    from budget.models import Execution
    from common.audit import snapshot

    execution = Execution(description="x")
    assert snapshot(execution, fields=["evidence", "description"]) == {"evidence": None, "description": "x"}
