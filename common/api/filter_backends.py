"""The API's filter backend: django-filter's, with yes/no filters that refuse what they do not understand."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers

# What django-filter's BooleanFilter (a NullBooleanField) understands; an empty value means "not given".
_BOOLEAN_VALUES = {"", "true", "false", "True", "False", "1", "0"}


def refuse_unknown_yes_no(filterset, params) -> None:
    """Raise a 400 naming every yes/no filter whose value is not one django-filter understands: it would
    read ``?active=yes`` as "no filter" and silently give every row (revoked tokens included)."""
    errors = {
        name: [serializers.BooleanField.default_error_messages["invalid"]]
        for name, value in params.items()
        if isinstance(filterset.filters.get(name), django_filters.BooleanFilter)
        and value not in _BOOLEAN_VALUES
    }
    if errors:
        raise serializers.ValidationError(errors)


class StrictDjangoFilterBackend(DjangoFilterBackend):
    """django-filter's backend, with yes/no filters that refuse what they do not understand (400)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            refuse_unknown_yes_no(filterset, request.query_params)
        return super().filter_queryset(request, queryset, view)
