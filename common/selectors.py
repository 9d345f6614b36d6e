from __future__ import annotations

from django.db.models import QuerySet

from common.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    # actor_username is denormalised on the row, so listing needs no join.
    return AuditEvent.objects.all()
