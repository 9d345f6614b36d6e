"""Writes for executions: spending recorded against an allocation, then approved or rejected by
ministry staff."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from budget.arithmetic import krw
from budget.models import Allocation, Execution
from budget.permissions import can_approve_execution, can_record_execution
from budget.services._checks import a_date, field_error, krw_amount, record_snapshot, required_text
from budget.services.allocations import allocation_executions_total
from common.audit import audit_record
from common.models import AuditEvent
from common.uploads import safe_display_name

EVIDENCE_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".csv", ".xlsx", ".hwp", ".hwpx")
# Formats whose first bytes are fixed: a file named .pdf must really be a PDF, and so on.
_MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".xlsx": (b"PK\x03\x04",),
    ".hwpx": (b"PK\x03\x04",),
    ".hwp": (b"\xd0\xcf\x11\xe0",),
}


def _is_text(content: bytes) -> bool:
    """A CSV has no fixed first bytes, but it is text: UTF-8 (with or without BOM) or CP949, no NUL bytes.
    A ZIP archive or any binary renamed .csv is not (it was stored as evidence before)."""
    if b"\x00" in content:
        return False
    for encoding in ("utf-8-sig", "cp949"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def _evidence_read(evidence) -> tuple[str, bytes, str]:
    """(display name, content, sha256) of an uploaded evidence file, after checking its type and size."""
    name = safe_display_name(getattr(evidence, "name", "") or "evidence")
    suffix = PurePath(name).suffix.lower()
    if suffix not in EVIDENCE_EXTENSIONS:
        raise field_error(
            "evidence",
            _("Evidence must be one of %(types)s, not %(suffix)s.")
            % {"types": ", ".join(EVIDENCE_EXTENSIONS), "suffix": suffix or _("(no extension)")},
            "wrong_type",
        )
    limit = settings.KAI_UPLOAD_MAX_BYTES
    declared = getattr(evidence, "size", None)
    if declared is not None and declared > limit:
        raise field_error(
            "evidence",
            _("The evidence file is too large (%(size)s bytes; the limit is %(limit)s).")
            % {"size": declared, "limit": limit},
            "too_large",
        )
    if hasattr(evidence, "seek"):
        evidence.seek(0)
    chunks, total = [], 0
    for chunk in evidence.chunks() if hasattr(evidence, "chunks") else [evidence.read()]:
        total += len(chunk)
        if total > limit:
            raise field_error(
                "evidence",
                _("The evidence file is larger than %(limit)s bytes.") % {"limit": limit},
                "too_large",
            )
        chunks.append(chunk)
    content = b"".join(chunks)
    if not content:
        raise field_error("evidence", _("The evidence file is empty."), "empty")
    magic = _MAGIC.get(suffix)
    if (magic and not content.startswith(magic)) or (suffix == ".csv" and not _is_text(content)):
        raise field_error(
            "evidence",
            _("%(name)s is not really a %(suffix)s file.") % {"name": name, "suffix": suffix},
            "wrong_content",
        )
    return name, content, hashlib.sha256(content).hexdigest()


@transaction.atomic
def execution_record(
    *,
    allocation: Allocation,
    spent_on: dt.date,
    amount_krw: int,
    description: str,
    evidence=None,
    actor,
) -> Execution:
    """Record spending against an allocation; it waits for approval by ministry staff.

    The allocation row is locked, so concurrent records cannot together exceed it: approved plus pending
    spending never exceeds the allocation minus what a freeze released. On a frozen allocation, spending
    dated after the freeze is refused. The team's own members or ministry staff may record.

    Side effects: writes Execution (and the evidence file to storage, with its SHA-256); audit event.
    """
    if not can_record_execution(actor, allocation.consortium_id):
        raise PermissionDenied(_("Only the team's own members or ministry staff may record its spending."))
    amount = krw_amount(amount_krw, field="amount_krw", label=_("The amount spent"))
    spent_on = a_date(spent_on, field="spent_on", label=_("The date spent"))
    description = required_text(description, field="description", label=_("The description"), max_length=500)
    evidence_parts = _evidence_read(evidence) if evidence is not None else None
    locked = (
        Allocation.objects.select_for_update(of=("self",)).select_related("consortium").get(pk=allocation.pk)
    )
    team = locked.consortium
    if not locked.is_frozen and team.left_on is not None and spent_on > team.left_on:
        # A departure whose freeze has not run (yet): the team's support still ended the day it left.
        raise field_error(
            "spent_on",
            _("%(team)s left the program on %(left)s; spending dated %(date)s cannot be recorded.")
            % {"team": team.code, "left": team.left_on, "date": spent_on},
            "team_departed",
        )
    if locked.is_frozen and spent_on > locked.frozen_on:
        raise field_error(
            "spent_on",
            _(
                "This allocation was frozen on %(frozen)s when the team was eliminated; "
                "spending dated %(date)s cannot be recorded."
            )
            % {"frozen": locked.frozen_on, "date": spent_on},
            "allocation_frozen",
        )
    spent = allocation_executions_total(allocation=locked)
    left = locked.available_krw - spent
    if amount > left:
        raise field_error(
            "amount_krw",
            _("%(amount)s exceeds what is left of the allocation: %(left)s of %(available)s remains.")
            % {"amount": krw(amount), "left": krw(max(left, 0)), "available": krw(locked.available_krw)},
            "allocation_exceeded",
        )
    execution = Execution(
        allocation=locked,
        spent_on=spent_on,
        amount_krw=amount,
        description=description,
        recorded_by=actor,
        recorded_at=timezone.now(),
    )
    execution.full_clean(exclude=["evidence"])
    if evidence_parts is not None:
        name, content, digest = evidence_parts
        execution.evidence_name, execution.evidence_sha256 = name, digest
        execution.evidence.save(name, ContentFile(content), save=False)
    execution.save()
    audit_record(
        actor=actor, action=AuditEvent.Action.CREATE, target=execution, after=record_snapshot(execution)
    )
    return execution


def _decide(execution: Execution, actor) -> tuple[Execution, dict]:
    if not can_approve_execution(actor):
        raise PermissionDenied(_("Only ministry staff may approve or reject spending."))
    locked = Execution.objects.select_for_update().get(pk=execution.pk)
    if locked.status != Execution.Status.PENDING:
        raise ValidationError(
            _("This spending was already %(status)s.") % {"status": locked.get_status_display().lower()},
            code="already_decided",
        )
    return locked, record_snapshot(locked)


@transaction.atomic
def execution_approve(*, execution: Execution, actor, note: str = "") -> Execution:
    """Approve pending spending. Ministry staff only, and not the person who recorded it (four eyes).

    Side effects: updates Execution (status, decided_by, decided_at, decision_note); audit event.
    """
    locked, before = _decide(execution, actor)
    if locked.recorded_by_id == actor.pk:
        raise ValidationError(
            _("Spending must be approved by someone other than the person who recorded it."),
            code="own_record",
        )
    locked.status = Execution.Status.APPROVED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.APPROVE,
        target=locked,
        before=before,
        after=record_snapshot(locked),
    )
    return locked


@transaction.atomic
def execution_reject(*, execution: Execution, actor, reason: str) -> Execution:
    """Reject pending spending (it stops counting against the allocation). Ministry staff only; a reason is
    required. Side effects: updates Execution; audit event."""
    locked, before = _decide(execution, actor)
    reason = required_text(reason, field="reason", label=_("The reason for rejecting"), max_length=2000)
    locked.status = Execution.Status.REJECTED
    locked.decided_by, locked.decided_at, locked.decision_note = actor, timezone.now(), reason
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        target=locked,
        before=before,
        after=record_snapshot(locked),
        extra={"decision": "rejected"},
    )
    return locked
