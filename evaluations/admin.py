"""Admin: browse and inspect. Changes to standings inputs go through the services (UI/API), so the
input models are read-only here and nothing bypasses the stale marker or the audit trail."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin
from evaluations.models import (
    Benchmark,
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


class RubricComponentInline(admin.TabularInline):
    model = RubricComponent
    extra = 0
    fields = ("key", "name", "weight", "max_points", "source", "panel_size")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Phase)
class PhaseAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "status", "teams_in", "teams_advancing", "standings_generation")
    list_filter = ("program", "status")
    readonly_fields = ("status", "standings_generation", "finalized_at", "finalized_by")
    inlines = [RubricComponentInline]


@admin.register(Benchmark)
class BenchmarkAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "category", "higher_is_better", "scale", "is_illustrative")
    list_filter = ("category",)
    search_fields = ("code", "name")


@admin.register(ReferenceScore)
class ReferenceScoreAdmin(admin.ModelAdmin):
    list_display = ("benchmark", "reference_model", "score")
    search_fields = ("benchmark__code", "reference_model")


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
