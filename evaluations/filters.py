"""FilterSets for evaluation data, shared by the browser lists, the API and the exports."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.filters import UtcIsoDateTimeFilter
from evaluations.models import (
    Benchmark,
    CriterionScore,
    DeadlineExtension,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)


class PhaseFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Phase.Status.choices, label=_("Status"))
    result_after = django_filters.DateFilter(
        field_name="result_on", lookup_expr="gte", label=_("Result on or after")
    )
    result_before = django_filters.DateFilter(
        field_name="result_on", lookup_expr="lte", label=_("Result on or before")
    )

    class Meta:
        model = Phase
        fields = ("program", "code")


class BenchmarkFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    category = django_filters.MultipleChoiceFilter(choices=Benchmark.Category.choices, label=_("Category"))
    phase = django_filters.CharFilter(
        field_name="phase_entries__phase__code", label=_("Phase (code)"), distinct=True
    )

    class Meta:
        model = Benchmark
        fields = ("higher_is_better", "is_illustrative")

    def filter_q(self, queryset, name, value):
        return queryset.filter(Q(code__icontains=value) | Q(name__icontains=value))


class _PhaseConsortiumFilters(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(field_name="consortium__code", label=_("Consortium (code)"))


class ResultUploadFilterSet(_PhaseConsortiumFilters):
    uploaded_after = UtcIsoDateTimeFilter(field_name="uploaded_at", lookup_expr="gte", label=_("From"))
    uploaded_before = UtcIsoDateTimeFilter(field_name="uploaded_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = ResultUpload
        fields = ("is_current", "format")


class ResultRowFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="upload__phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(
        field_name="upload__consortium__code", label=_("Consortium (code)")
    )
    benchmark = django_filters.CharFilter(field_name="benchmark__code", label=_("Benchmark (code)"))
    current = django_filters.BooleanFilter(field_name="upload__is_current", label=_("Current upload only"))

    class Meta:
        model = ResultRow
        fields = ("upload",)


class EvaluatorAssignmentFilterSet(_PhaseConsortiumFilters):
    evaluator = django_filters.CharFilter(field_name="evaluator__username", label=_("Evaluator (username)"))

    class Meta:
        model = EvaluatorAssignment
        fields = ()


class ScoreSheetFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="assignment__phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(
        field_name="assignment__consortium__code", label=_("Consortium (code)")
    )
    evaluator = django_filters.CharFilter(
        field_name="assignment__evaluator__username", label=_("Evaluator (username)")
    )
    status = django_filters.MultipleChoiceFilter(choices=ScoreSheet.Status.choices, label=_("Status"))

    class Meta:
        model = ScoreSheet
        fields = ()


class StandingsSnapshotFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="phase__code", label=_("Phase (code)"))
    computed_after = UtcIsoDateTimeFilter(field_name="computed_at", lookup_expr="gte", label=_("From"))
    computed_before = UtcIsoDateTimeFilter(field_name="computed_at", lookup_expr="lt", label=_("Until"))

    class Meta:
        model = StandingsSnapshot
        fields = ("is_official",)


class CriterionScoreFilterSet(django_filters.FilterSet):
    """The score-sheet filters, applied through each score's sheet (for the evaluation-detail export)."""

    phase = django_filters.CharFilter(field_name="sheet__assignment__phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(
        field_name="sheet__assignment__consortium__code", label=_("Consortium (code)")
    )
    evaluator = django_filters.CharFilter(
        field_name="sheet__assignment__evaluator__username", label=_("Evaluator (username)")
    )
    status = django_filters.MultipleChoiceFilter(
        field_name="sheet__status", choices=ScoreSheet.Status.choices, label=_("Status")
    )

    class Meta:
        model = CriterionScore
        fields = ()


class GateResultFilterSet(django_filters.FilterSet):
    """Gate decisions by their gate's phase (for the gate-decisions export)."""

    phase = django_filters.CharFilter(field_name="gate__phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(field_name="consortium__code", label=_("Consortium (code)"))
    gate = django_filters.CharFilter(field_name="gate__key", label=_("Gate (key)"))

    class Meta:
        model = GateResult
        fields = ("passed",)


class PanelResultDetailFilterSet(django_filters.FilterSet):
    """CriterionScoreFilterSet's filters for the staff-entered panel figures the evaluation-detail export
    lists after the criterion scores. A figure has no evaluator and no score sheet, so asking for an
    evaluator or a sheet status leaves the figures out."""

    phase = django_filters.CharFilter(field_name="phase__code", label=_("Phase (code)"))
    consortium = django_filters.CharFilter(field_name="consortium__code", label=_("Consortium (code)"))
    evaluator = django_filters.CharFilter(method="filter_none", label=_("Evaluator (username)"))
    status = django_filters.MultipleChoiceFilter(
        method="filter_none", choices=ScoreSheet.Status.choices, label=_("Status")
    )

    class Meta:
        model = PanelResult
        fields = ()

    def filter_none(self, queryset, name, value):
        return queryset.none() if value else queryset


class DeadlineExtensionFilterSet(_PhaseConsortiumFilters):
    class Meta:
        model = DeadlineExtension
        fields = ()


# --- a phase's set-up (the API's lists of rubric parts, benchmark set, targets, participants) -----------


class RubricComponentFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="phase__code", label=_("Phase (code)"))

    class Meta:
        model = RubricComponent
        fields = ("source",)


class RubricCriterionFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="component__phase__code", label=_("Phase (code)"))

    class Meta:
        model = RubricCriterion
        fields = ("component",)


class RubricGateFilterSet(django_filters.FilterSet):
    phase = django_filters.CharFilter(field_name="phase__code", label=_("Phase (code)"))

    class Meta:
        model = RubricGate
        fields = ()


class PhaseBenchmarkFilterSet(_PhaseConsortiumFilters):
    class Meta:
        model = PhaseBenchmark
        fields = ("group",)


class TargetModelFilterSet(_PhaseConsortiumFilters):
    class Meta:
        model = TargetModel
        fields = ("reference_model",)


class PhaseParticipantFilterSet(_PhaseConsortiumFilters):
    class Meta:
        model = PhaseParticipant
        fields = ("outcome",)


class ReferenceScoreFilterSet(django_filters.FilterSet):
    benchmark = django_filters.CharFilter(field_name="benchmark__code", label=_("Benchmark (code)"))

    class Meta:
        model = ReferenceScore
        fields = ("reference_model",)
