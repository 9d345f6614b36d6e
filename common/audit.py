"""The tamper-evident audit trail: services call ``audit_record`` inside their own transaction.

Explicit calls rather than signal-based change capture: the events are business events (a score sheet
submitted, an allocation frozen, an export run) whose before/after are the service's own view of the
change, they commit or roll back with it, and they work on both PostgreSQL and the SQLite default.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import uuid
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.utils import timezone

from common.models import AuditEvent

GENESIS_HASH = "0" * 64
# Any constant works; it just keeps our advisory lock apart from other users of pg_advisory_xact_lock.
_CHAIN_LOCK_KEY = 0x4B41_4955_4449_54

_request_context: contextvars.ContextVar[dict | None] = contextvars.ContextVar(
    "kai_audit_request", default=None
)


def _json_default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, set | frozenset):
        return sorted(value)
    return str(value)


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def snapshot(obj: Model, fields: list[str] | None = None) -> dict:
    """A JSON-safe dict of a model instance's fields, for before/after."""
    return json.loads(canonical(model_to_dict(obj, fields=fields)))


def event_hash(
    *,
    prev_hash: str,
    occurred_at: dt.datetime,
    actor_id,
    actor_username: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    before,
    after,
    context,
) -> str:
    payload = canonical(
        {
            "prev": prev_hash,
            "at": occurred_at.astimezone(dt.UTC).isoformat(),
            "actor": actor_id,
            "actor_username": actor_username,
            "action": action,
            "type": object_type,
            "id": object_id,
            "repr": object_repr,
            "before": before,
            "after": after,
            "context": context,
        }
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def set_request_context(request) -> contextvars.Token:
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    context = {
        "request_id": request.META.get("HTTP_X_REQUEST_ID") or uuid.uuid4().hex,
        "method": request.method,
        "path": request.path[:300],
        "ip": (forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR", "")),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }
    return _request_context.set(context)


def reset_request_context(token: contextvars.Token) -> None:
    _request_context.reset(token)


@contextlib.contextmanager
def audit_context(**values):
    """Add ``values`` to the context of every event recorded inside the block, e.g. the program file load
    names its file and sha256, so the events of the services it calls say where they came from."""
    token = _request_context.set({**(_request_context.get() or {"source": "system"}), **values})
    try:
        yield
    finally:
        _request_context.reset(token)


def audit_record(
    *,
    actor,
    action: str,
    target: Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    extra: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (so it rolls back with the change)."""
    return audit_record_many(
        [
            {
                "actor": actor,
                "action": action,
                "target": target,
                "object_type": object_type,
                "object_id": object_id,
                "object_repr": object_repr,
                "before": before,
                "after": after,
                "extra": extra,
            }
        ]
    )[0]


def audit_record_many(entries: list[dict]) -> list[AuditEvent]:
    """Append several events in this order, in the caller's transaction: one chain lock, one read of the
    chain's end and one INSERT. Each entry holds ``audit_record``'s keyword arguments (for loads that
    record hundreds of events, e.g. the program file's)."""
    prepared = [_event_fields(**entry) for entry in entries]
    if not prepared:
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appends so two transactions never chain onto the same previous row.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])
        prev_hash = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH
        occurred_at = timezone.now()
        rows = []
        for actor_id, fields in prepared:
            fields["occurred_at"] = occurred_at
            digest = event_hash(prev_hash=prev_hash, actor_id=actor_id, **fields)
            rows.append(AuditEvent(actor_id=actor_id, prev_hash=prev_hash, hash=digest, **fields))
            prev_hash = digest
        if len(rows) == 1:
            rows[0].save(force_insert=True)
            return rows
        return AuditEvent.objects.bulk_create(rows)


def _event_fields(
    *,
    actor,
    action: str,
    target: Model | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict | None = None,
    after: dict | None = None,
    extra: dict | None = None,
) -> tuple:
    """(actor id, the event's fields but occurred_at), JSON-safe as they will be hashed and stored."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = target.pk if object_id is None else object_id
        object_repr = str(target) if object_repr is None else object_repr
    context = dict(_request_context.get() or {"source": "system"})
    if extra:
        context["extra"] = json.loads(canonical(extra))
    actor_id = getattr(actor, "pk", None)
    return actor_id, {
        "actor_username": actor.get_username() if actor_id is not None else "",
        "action": action,
        "object_type": object_type or "",
        "object_id": "" if object_id is None else str(object_id),
        "object_repr": (object_repr or "")[:300],
        "before": json.loads(canonical(before)) if before is not None else None,
        "after": json.loads(canonical(after)) if after is not None else None,
        "context": context,
    }


def audit_chain_verify() -> tuple[int, AuditEvent | None, str]:
    """Walk the chain in order; returns (events checked, first broken event or None, what is wrong)."""
    prev = GENESIS_HASH
    checked = 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.prev_hash != prev:
            return (
                checked,
                event,
                "previous-hash link does not match the event before it (a row was removed or reordered)",
            )
        expected = event_hash(
            prev_hash=event.prev_hash,
            occurred_at=event.occurred_at,
            actor_id=event.actor_id,
            actor_username=event.actor_username,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            object_repr=event.object_repr,
            before=event.before,
            after=event.after,
            context=event.context,
        )
        if expected != event.hash:
            return checked, event, "content does not match its hash (the row was altered)"
        prev = event.hash
        checked += 1
    return checked, None, ""
