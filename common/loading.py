"""Helpers for loading structured program files: typed field readers that name the key path on error,
and ``seed_row``, which creates what is missing and otherwise keeps the database's state.

A program file is a seed, never a rewind. For a row that already exists, only its descriptive fields
(names, descriptions, notes, sources, illustrative marks) follow the file, each change audited; every other
field (workflow state, decisions, what users entered, the numbers computations use) keeps the database's
value, and where the file says otherwise the load reports the difference (``LoadReport.differences``).
Every row the loader writes itself gets its own audit event, attributed to ``LoadContext.actor``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from common.audit import audit_record_many, snapshot
from common.models import AuditEvent


class ProgramFileError(Exception):
    """A problem in a program file, located by its key path (e.g. ``consortia[2].partners[0].org``)."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class Difference:
    """The file disagrees with the database on something it may not change; the database was kept.

    ``missing``: the file has a row the database lacks, and it was not created (``reason`` says why)."""

    path: str
    file_value: str = ""
    database_value: str = ""
    missing: bool = False
    reason: str = ""

    def __str__(self) -> str:
        if self.missing:
            return f"{self.path}: in the file, not in the database; not created ({self.reason})"
        return f"{self.path}: file {self.file_value}, database {self.database_value}"

    def as_dict(self) -> dict:
        if self.missing:
            return {"path": self.path, "missing": True, "reason": self.reason}
        return {"path": self.path, "file": self.file_value, "database": self.database_value}


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    sha256: str = ""
    audit_event_id: int | None = None

    def count(self, bucket: str, model: type[models.Model]) -> None:
        counts = getattr(self, bucket)
        name = model._meta.model_name
        counts[name] = counts.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def counts(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}

    def summary(self) -> str:
        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"

        return (
            f"created: {fmt(self.created)}; updated: {fmt(self.updated)}; unchanged: {fmt(self.unchanged)}; "
            f"differences kept: {len(self.differences)}"
        )


@dataclass
class LoadContext:
    """What earlier sections loaded, by the keys later sections refer to them with (each app's section
    loader fills its part: ``consortia`` the program, organizations and teams, ``evaluations`` phases and
    benchmarks), and who the load acts as.

    ``actor`` is the (non-login) system user the loader's writes and the services it calls are attributed
    to; ``new`` holds the rows this load created, so later sections can tell a phase they are seeding from
    one whose set-up already belongs to the portal. The audit events of rows the loader writes itself wait
    in ``pending_events`` until ``audit_flush`` (called before each service call and at the end, so the
    trail keeps the order of the writes)."""

    program: Any = None
    organizations: dict[str, Any] = field(default_factory=dict)
    consortia: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, Any] = field(default_factory=dict)
    benchmarks: dict[str, Any] = field(default_factory=dict)
    actor: Any = None
    new: set[tuple[str, Any]] = field(default_factory=set)
    pending_events: list[dict] = field(default_factory=list)

    def is_new(self, obj: models.Model) -> bool:
        return (obj._meta.label_lower, obj.pk) in self.new

    def audit_flush(self) -> None:
        events, self.pending_events = self.pending_events, []
        audit_record_many(events)


_MISSING = object()
# The provenance every record may carry (``sourced``), and the file's keys for model fields named otherwise.
PROVENANCE = ("is_illustrative", "source_note")
_FILE_KEYS = {"is_illustrative": "illustrative", "source_note": "source"}


def mapping_at(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise ProgramFileError(path, f"expected a mapping, got {type(value).__name__}")
    return value


def list_at(value: Any, path: str) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ProgramFileError(path, f"expected a list, got {type(value).__name__}")
    return value


def read(
    mapping: dict, key: str, path: str, parse: Callable[[Any, str], Any], default: Any = _MISSING
) -> Any:
    """``mapping[key]`` parsed by ``parse``; a missing key is an error unless a default is given."""
    where = f"{path}.{key}" if path else key
    if key not in mapping or mapping[key] is None:
        if default is _MISSING:
            raise ProgramFileError(where, "required key is missing")
        return default
    return parse(mapping[key], where)


def text(value: Any, path: str) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ProgramFileError(path, f"expected text, got {type(value).__name__}")
    return str(value).strip()


def boolean(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise ProgramFileError(path, f"expected true or false, got {value!r}")
    return value


def integer(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ProgramFileError(path, f"expected a whole number, got {value!r}")
    return value


def positive_integer(value: Any, path: str) -> int:
    number = integer(value, path)
    if number <= 0:
        raise ProgramFileError(path, f"must be positive, got {number}")
    return number


def decimal(value: Any, path: str) -> Decimal:
    # Floats are refused on purpose: YAML 9.2 would arrive as binary floating point.
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ProgramFileError(path, f"expected a decimal number written as a quoted string, got {value!r}")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ProgramFileError(path, f"not a number: {value!r}") from None
    if not number.is_finite():
        raise ProgramFileError(path, f"not a finite number: {value!r}")
    return number


def date(value: Any, path: str) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ProgramFileError(path, "expected a date (YYYY-MM-DD), got a date-time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ProgramFileError(path, f"expected a date (YYYY-MM-DD), got {value!r}")


def choice(choices: Iterable[str]) -> Callable[[Any, str], str]:
    allowed = list(choices)

    def parse(value: Any, path: str) -> str:
        if value not in allowed:
            raise ProgramFileError(path, f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return parse


def sourced(mapping: dict, path: str) -> dict:
    """The ``illustrative``/``source`` pair every record may carry, as model field values."""
    return {
        "is_illustrative": read(mapping, "illustrative", path, boolean, default=False),
        "source_note": read(mapping, "source", path, text, default=""),
    }


def seed_row(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    context: LoadContext,
    report: LoadReport,
    path: str,
    *,
    descriptive: Iterable[str] = (),
    create: Callable[[], models.Model] | None = None,
    creatable: str = "",
    keys: dict[str, str] | None = None,
) -> models.Model | None:
    """The row matched by ``lookup``, created from ``values`` if missing; an existing row is never rewound.

    * Missing and ``creatable`` is not empty (a reason): nothing is written, the row is reported as
      missing with that reason, and None is returned.
    * Missing: ``create()`` (a call to the service that creates such rows, with the system actor; its
      audit event is its own) or, without one, created here with an audit event. Fields of ``values`` the
      service does not take are then set like a descriptive change.
    * Existing: fields named in ``descriptive`` that differ are updated (one audit event for the row, with
      before and after); any other field that differs keeps the database's value and is reported as a
      difference at ``keys[field]`` (default ``path.field``, with the file's name for the provenance
      fields). Once such a field differs, the row's provenance (``PROVENANCE``) is kept too.

    Raises ProgramFileError (at ``path``) when the row fails validation or the service refuses it.
    """
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        if creatable:
            report.differences.append(Difference(path, missing=True, reason=creatable))
            return None
        if create is not None:
            obj = through_service(create, context, path)
            bucket = "created"
            descriptive = set(values)  # the rest of what the file states, as the service left it out
        else:
            obj = model(**lookup, **values)
            _validate(obj, path)
            obj.save()
            context.pending_events.append(
                {
                    "actor": context.actor,
                    "action": AuditEvent.Action.CREATE,
                    "target": obj,
                    "after": snapshot(obj),
                    "extra": {"program_file_path": path},
                }
            )
            context.new.add((obj._meta.label_lower, obj.pk))
            report.count("created", model)
            return obj
        context.new.add((obj._meta.label_lower, obj.pk))
    else:
        bucket = "unchanged"
    differing = [name for name, value in values.items() if _current(obj, name) != _comparable(value)]
    descriptive = set(descriptive)
    if any(name not in descriptive for name in differing):
        # The database has moved away from the file's figures (e.g. staff amended an amount): the file's
        # source note and illustrative mark describe the file's figures, not the database's, so they stay.
        descriptive -= set(PROVENANCE)
    before, after = {}, {}
    for name in differing:
        value = values[name]
        if name in descriptive:
            before[name], after[name] = _current(obj, name), _comparable(value)
            setattr(obj, name, value)
        else:
            where = (keys or {}).get(name) or _file_key(path, name)
            report.differences.append(Difference(where, _shown(value), _shown(getattr(obj, name))))
    if after:
        _validate(obj, path)
        obj.save(update_fields=list(after))
        context.pending_events.append(
            {
                "actor": context.actor,
                "action": AuditEvent.Action.UPDATE,
                "target": obj,
                "before": before,
                "after": after,
                "extra": {"program_file_path": path},
            }
        )
        if bucket == "unchanged":
            bucket = "updated"
    report.count(bucket, model)
    return obj


def through_service(call: Callable[[], Any], context: LoadContext, path: str) -> Any:
    """Run a service call for the row at ``path``: the loader's own pending audit events are written
    first (so the trail keeps the order of the writes), and a refusal becomes a ProgramFileError there."""
    context.audit_flush()
    try:
        return call()
    except ValidationError as exc:
        raise ProgramFileError(path, "; ".join(_messages(exc))) from None
    except PermissionDenied as exc:
        raise ProgramFileError(path, f"refused: {exc}") from None


def _file_key(path: str, name: str) -> str:
    return f"{path}.{_FILE_KEYS.get(name, name)}"


def _validate(obj: models.Model, path: str) -> None:
    try:
        obj.full_clean()
    except ValidationError as exc:
        raise ProgramFileError(path, "; ".join(_messages(exc))) from None


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _current(obj: models.Model, name: str) -> Any:
    field = obj._meta.get_field(name)
    if field.is_relation:
        return getattr(obj, field.attname)
    return getattr(obj, name)


def _comparable(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items()]
    return list(exc.messages)
