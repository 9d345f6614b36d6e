from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.models import ApiToken, AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    action = django_filters.MultipleChoiceFilter(choices=AuditEvent.Action.choices, label=_("Action"))
    object_type = django_filters.CharFilter(label=_("Object type"))
    object_id = django_filters.CharFilter(label=_("Object id"))
    actor = django_filters.CharFilter(field_name="actor_username", label=_("Actor (username)"))
    occurred_after = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label=_("From"))
    occurred_before = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = AuditEvent
        fields = ("action", "object_type", "object_id")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(object_repr__icontains=value) | Q(object_type__icontains=value))


class ApiTokenFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(field_name="revoked_at", lookup_expr="isnull", label=_("Active"))

    class Meta:
        model = ApiToken
        fields = ("user",)
