"""Admin: browse and inspect. Phases, their inputs and results change only through the services (the
portal's pages or the API), so every model is read-only here and nothing bypasses the phase lock, the
stale marker or the audit trail."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin, ReadOnlyInlineMixin
from evaluations.models import (
    Benchmark,
    DeadlineExtension,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
    TargetModel,
)


class RubricComponentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = RubricComponent
    fields = ("key", "name", "weight", "max_points", "source", "panel_size")


@admin.register(Phase)
class PhaseAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "order", "status", "teams_in", "teams_advancing", "standings_generation")
    list_filter = ("program", "status")
    search_fields = ("code", "name")
    inlines = [RubricComponentInline]


@admin.register(Benchmark)
class BenchmarkAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "category", "higher_is_better", "scale", "is_illustrative")
    list_filter = ("category",)
    search_fields = ("code", "name")


@admin.register(ReferenceScore)
class ReferenceScoreAdmin(ReadOnlyAdmin):
    list_display = ("benchmark", "reference_model", "score")
    list_filter = ("reference_model",)
    list_select_related = ("benchmark",)
    search_fields = ("benchmark__code", "reference_model")


@admin.register(DeadlineExtension)
class DeadlineExtensionAdmin(ReadOnlyAdmin):
    list_display = ("phase", "consortium", "deadline", "granted_by", "granted_at")
    list_filter = ("phase",)
    list_select_related = ("phase", "consortium", "granted_by")


@admin.register(RubricComponent)
class RubricComponentAdmin(ReadOnlyAdmin):
    list_display = ("phase", "key", "name", "weight", "source")
    list_filter = ("phase",)


@admin.register(RubricCriterion)
class RubricCriterionAdmin(ReadOnlyAdmin):
    list_display = ("component", "key", "name", "max_points", "benchmark_group")


@admin.register(RubricGate)
class RubricGateAdmin(ReadOnlyAdmin):
    list_display = ("phase", "key", "name")


@admin.register(GateResult)
class GateResultAdmin(ReadOnlyAdmin):
    list_display = ("gate", "consortium", "passed", "decided_by", "decided_at")


@admin.register(PanelResult)
class PanelResultAdmin(ReadOnlyAdmin):
    list_display = ("phase", "consortium", "component", "criterion", "points")
    list_filter = ("phase",)


@admin.register(PhaseBenchmark)
class PhaseBenchmarkAdmin(ReadOnlyAdmin):
    list_display = ("phase", "benchmark", "group", "consortium")


@admin.register(TargetModel)
class TargetModelAdmin(ReadOnlyAdmin):
    list_display = ("phase", "consortium", "reference_model")


@admin.register(PhaseParticipant)
class PhaseParticipantAdmin(ReadOnlyAdmin):
    list_display = ("phase", "consortium", "outcome", "final_rank", "final_total")
    list_filter = ("phase",)


@admin.register(ResultUpload)
class ResultUploadAdmin(ReadOnlyAdmin):
    list_display = (
        "phase",
        "consortium",
        "display_name",
        "uploaded_by",
        "uploaded_at",
        "is_current",
        "sha256",
    )
    list_filter = ("phase", "is_current")


@admin.register(EvaluatorAssignment)
class EvaluatorAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("phase", "consortium", "evaluator", "assigned_at")


@admin.register(ScoreSheet)
class ScoreSheetAdmin(ReadOnlyAdmin):
    list_display = ("assignment", "status", "version", "updated_at", "submitted_at")


@admin.register(StandingsSnapshot)
class StandingsSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("phase", "generation", "computed_at", "duration_ms", "trigger", "is_official")
    list_filter = ("phase", "is_official")
