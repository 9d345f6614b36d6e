"""The API's filter backend: django-filter's, with yes/no filters that refuse what they do not understand."""

from __future__ import annotations

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers

# What django-filter's BooleanFilter (a NullBooleanField) understands; an empty value means "not given".
_BOOLEAN_VALUES = {"", "true", "false", "True", "False", "1", "0"}


def boolean_filter_errors(filterset, query_params) -> dict[str, list[str]]:
    """The yes/no parameters of ``query_params`` whose value ``filterset``'s BooleanFilter would not
    understand (and would read as "no filter"), each with the message naming it."""
    return {
        name: [str(serializers.BooleanField.default_error_messages["invalid"])]
        for name, value in query_params.items()
        if isinstance(filterset.filters.get(name), django_filters.BooleanFilter)
        and value not in _BOOLEAN_VALUES
    }


class StrictDjangoFilterBackend(DjangoFilterBackend):
    """A value a yes/no filter does not understand is a 400 naming the parameter: django-filter would read
    ``?active=yes`` as "no filter" and silently list every row (revoked tokens included)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            errors = boolean_filter_errors(filterset, request.query_params)
            if errors:
                raise serializers.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
