"""Input checks shared by the budget services: whole-won amounts, dates and who may act.

Each check raises ``ValidationError`` keyed by the field, with a message that says what is wrong, so a form
or an API response can show it next to the input.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.translation import gettext as _

from budget.arithmetic import MAX_KRW, krw
from budget.permissions import can_manage_budget
from common.audit import snapshot


def field_error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def krw_amount(value, *, field: str, label: str) -> int:
    """A positive whole number of won. Floats are refused even when whole (they are where rounding hides),
    as are Decimals with a fraction of a won, booleans and text."""
    if isinstance(value, bool):
        raise field_error(
            field,
            _("%(label)s must be a whole number of won, not true/false.") % {"label": label},
            "not_integer",
        )
    if isinstance(value, float):
        raise field_error(
            field,
            _(
                "%(label)s must be a whole number of won given as an integer, not the "
                "floating-point number %(value)r."
            )
            % {"label": label, "value": value},
            "not_integer",
        )
    if isinstance(value, Decimal):
        if not value.is_finite() or value != value.to_integral_value():
            raise field_error(
                field,
                _("%(label)s must be a whole number of won; %(value)s has a fraction of a won.")
                % {"label": label, "value": value},
                "not_integer",
            )
        value = int(value)
    if not isinstance(value, int):
        raise field_error(
            field,
            _("%(label)s must be a whole number of won, not %(value)r.") % {"label": label, "value": value},
            "not_integer",
        )
    if value <= 0:
        raise field_error(
            field,
            _("%(label)s must be positive; got %(amount)s.") % {"label": label, "amount": krw(value)},
            "not_positive",
        )
    if value > MAX_KRW:
        raise field_error(field, _("%(label)s is too large.") % {"label": label}, "too_large")
    return value


def a_date(value, *, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise field_error(
            field,
            _("%(label)s must be a date, not %(value)r.") % {"label": label, "value": value},
            "not_date",
        )
    return value


def required_text(value, *, field: str, label: str, max_length: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise field_error(field, _("%(label)s is required.") % {"label": label}, "required")
    value = value.strip()
    if len(value) > max_length:
        raise field_error(
            field,
            _("%(label)s is too long (at most %(limit)s characters).")
            % {"label": label, "limit": max_length},
            "too_long",
        )
    return value


def require_budget_manager(actor) -> None:
    if not can_manage_budget(actor):
        raise PermissionDenied(_("Only ministry staff may change budget lines and allocations."))


def record_snapshot(obj) -> dict:
    """``common.audit.snapshot`` with file fields as their stored name (None when empty): the shared helper
    trips over an empty FieldFile (its ``url`` raises ValueError)."""
    file_fields = [f.name for f in obj._meta.concrete_fields if isinstance(f, models.FileField)]
    data = snapshot(obj, fields=[f.name for f in obj._meta.concrete_fields if f.name not in file_fields])
    data.update({name: getattr(obj, name).name or None for name in file_fields})
    return data
