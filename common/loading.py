"""Helpers for loading structured program files: typed field readers that name the key path on error,
and an upsert that writes only what differs, so a second load changes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


class ProgramFileError(Exception):
    """A problem in a program file, located by its key path (e.g. ``consortia[2].partners[0].org``)."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, model: type[models.Model]) -> None:
        counts = getattr(self, bucket)
        name = model._meta.model_name
        counts[name] = counts.get(name, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        def fmt(counts: dict[str, int]) -> str:
            return ", ".join(f"{name} {n}" for name, n in sorted(counts.items())) or "none"

        return f"created: {fmt(self.created)}; updated: {fmt(self.updated)}; unchanged: {fmt(self.unchanged)}"


@dataclass
class LoadContext:
    """What earlier sections loaded, by the keys later sections refer to them with (each app's section
    loader fills its part: ``consortia`` the program, organizations and teams, ``evaluations`` phases and
    benchmarks)."""

    program: Any = None
    organizations: dict[str, Any] = field(default_factory=dict)
    consortia: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, Any] = field(default_factory=dict)
    benchmarks: dict[str, Any] = field(default_factory=dict)


_MISSING = object()


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


def sync_row(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], report: LoadReport, path: str
) -> models.Model:
    """Create the row, or update only the fields whose values differ; validate before writing."""
    obj = model.objects.filter(**lookup).first()
    bucket = "unchanged"
    if obj is None:
        obj = model(**lookup, **values)
        bucket = "created"
    else:
        for name, value in values.items():
            if _current(obj, name) != _comparable(value):
                setattr(obj, name, value)
                bucket = "updated"
    if bucket != "unchanged":
        try:
            obj.full_clean()
        except ValidationError as exc:
            raise ProgramFileError(path, "; ".join(_messages(exc))) from None
        obj.save()
    report.count(bucket, model)
    return obj


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
