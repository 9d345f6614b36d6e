"""FilterSets for the registry, used by both the browser lists and the API (one meaning per parameter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consortia.models import Consortium, Organization, Partnership


class OrganizationFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    kind = django_filters.MultipleChoiceFilter(choices=Organization.Kind.choices, label=_("Kind"))
    consortium = django_filters.ModelChoiceFilter(
        queryset=Consortium.objects.all(),
        field_name="partnerships__consortium",
        label=_("Consortium"),
        distinct=True,
    )

    class Meta:
        model = Organization
        fields = ("kind", "country", "is_illustrative")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(name_ko__icontains=value) | Q(name_en__icontains=value))


class ConsortiumFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(choices=Consortium.Status.choices, label=_("Status"))
    joined_after = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="gte", label=_("Joined on or after")
    )
    joined_before = django_filters.DateFilter(
        field_name="joined_on", lookup_expr="lte", label=_("Joined on or before")
    )
    left_in_phase = django_filters.CharFilter(
        field_name="left_in_phase__code", label=_("Left in phase (code)")
    )

    class Meta:
        model = Consortium
        fields = ("program", "is_wildcard", "is_illustrative")

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value)
            | Q(code__icontains=value)
            | Q(lead__name_ko__icontains=value)
            | Q(lead__name_en__icontains=value)
        )


class PartnershipFilterSet(django_filters.FilterSet):
    current = django_filters.BooleanFilter(
        field_name="left_on", lookup_expr="isnull", label=_("Current (has not left)")
    )

    class Meta:
        model = Partnership
        fields = ("consortium", "organization", "role")
