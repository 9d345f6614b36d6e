"""FilterSets for budget data, shared by the browser lists, the API and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from budget.models import Allocation, BudgetLine, Category, Execution, GpuUsageEntry


class BudgetLineFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    category = django_filters.MultipleChoiceFilter(choices=Category.choices, label=_("Category"))

    class Meta:
        model = BudgetLine
        fields = ("program", "fiscal_year", "is_illustrative")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class AllocationFilterSet(django_filters.FilterSet):
    consortium = django_filters.CharFilter(field_name="consortium__code", label=_("Consortium (code)"))
    line = django_filters.CharFilter(field_name="line__code", label=_("Budget line (code)"))
    category = django_filters.MultipleChoiceFilter(
        field_name="line__category", choices=Category.choices, label=_("Category")
    )
    status = django_filters.MultipleChoiceFilter(choices=Allocation.Status.choices, label=_("Status"))
    fiscal_year = django_filters.NumberFilter(field_name="line__fiscal_year", label=_("Fiscal year"))
    active_on = django_filters.DateFilter(method="filter_active_on", label=_("Active on (date)"))
    starts_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", label=_("Starts on or after")
    )
    ends_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", label=_("Ends on or before")
    )

    class Meta:
        model = Allocation
        fields = ("gpu_model", "is_illustrative")

    def filter_active_on(self, queryset, name, value):
        return queryset.filter(period_start__lte=value, period_end__gte=value)


class ExecutionFilterSet(django_filters.FilterSet):
    consortium = django_filters.CharFilter(
        field_name="allocation__consortium__code", label=_("Consortium (code)")
    )
    line = django_filters.CharFilter(field_name="allocation__line__code", label=_("Budget line (code)"))
    category = django_filters.MultipleChoiceFilter(
        field_name="allocation__line__category", choices=Category.choices, label=_("Category")
    )
    status = django_filters.MultipleChoiceFilter(choices=Execution.Status.choices, label=_("Status"))
    spent_after = django_filters.DateFilter(
        field_name="spent_on", lookup_expr="gte", label=_("Spent on or after")
    )
    spent_before = django_filters.DateFilter(
        field_name="spent_on", lookup_expr="lte", label=_("Spent on or before")
    )
    q = django_filters.CharFilter(field_name="description", lookup_expr="icontains", label=_("Search"))

    class Meta:
        model = Execution
        fields = ("allocation",)


class GpuUsageFilterSet(django_filters.FilterSet):
    consortium = django_filters.CharFilter(field_name="consortium__code", label=_("Consortium (code)"))
    month_after = django_filters.DateFilter(field_name="month", lookup_expr="gte", label=_("From month"))
    month_before = django_filters.DateFilter(field_name="month", lookup_expr="lte", label=_("Until month"))

    class Meta:
        model = GpuUsageEntry
        fields = ("gpu_model", "is_current")
