"""Model choices built from a plain enum, so an app's pure code and its models share one set of values.

The enum (in code that imports no Django) names the members and their stored values; the model adds
only the translated labels, given once here, and Django's choices machinery (``.choices``, ``.label``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.utils.functional import Promise

E = TypeVar("E", bound=StrEnum)


def text_choices(
    enum: type[E], labels: Mapping[E, str | Promise], *, module: str, qualname: str
) -> type[models.TextChoices]:
    """``models.TextChoices`` with ``enum``'s members and values and ``labels`` (one per member).

    ``module`` and ``qualname`` say where the class is defined (as for a class statement), so its
    members pickle and read well in reprs."""
    if set(labels) != set(enum):
        missing = sorted(m.value for m in set(enum) - set(labels))
        extra = sorted(str(m) for m in set(labels) - set(enum))
        raise ImproperlyConfigured(f"labels of {enum.__name__}: missing {missing}, unknown {extra}")
    return models.TextChoices(
        qualname.rsplit(".", 1)[-1],
        [(member.name, (member.value, labels[member])) for member in enum],
        module=module,
        qualname=qualname,
    )
