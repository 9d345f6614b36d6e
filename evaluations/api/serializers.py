from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consortia.models import Consortium
from evaluations import standings as pure
from evaluations.api.standings_serializers import StandingsRowSerializer
from evaluations.limits import MAX_COMMENT, MAX_GATE_TEXT, MAX_PANEL_NOTE, MAX_PANEL_SIZE
from evaluations.models import (
    Benchmark,
    CriterionScore,
    EvaluatorAssignment,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    ReferenceScore,
    ResultRow,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    ScoreSheet,
    StandingsSnapshot,
)
from evaluations.readiness import GateState, InputKind
from evaluations.services import Transition

# --- output ------------------------------------------------------------------------------------------


class RubricCriterionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricCriterion
        fields = ("id", "key", "name", "order", "max_points", "benchmark_group", "note", "is_illustrative")


class RubricComponentSerializer(serializers.ModelSerializer):
    criteria = RubricCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = RubricComponent
        fields = (
            "id",
            "key",
            "name",
            "order",
            "weight",
            "max_points",
            "source",
            "panel_size",
            "note",
            "is_illustrative",
            "criteria",
        )


class RubricGateSerializer(serializers.ModelSerializer):
    class Meta:
        model = RubricGate
        fields = ("id", "key", "name", "description")


class PhaseBenchmarkSerializer(serializers.ModelSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = PhaseBenchmark
        fields = ("benchmark", "group", "consortium", "is_illustrative")


class PhaseSerializer(serializers.ModelSerializer):
    components = RubricComponentSerializer(many=True, read_only=True)
    gates = RubricGateSerializer(many=True, read_only=True)
    benchmark_set = PhaseBenchmarkSerializer(many=True, read_only=True)

    class Meta:
        model = Phase
        fields = (
            "id",
            "code",
            "order",
            "name",
            "program",
            "status",
            "development_start",
            "showcase_on",
            "evaluation_start",
            "result_on",
            "submission_deadline",
            "scoring_deadline",
            "teams_in",
            "teams_advancing",
            "frontier_threshold",
            "standings_generation",
            "finalized_at",
            "is_illustrative",
            "source_note",
            "components",
            "gates",
            "benchmark_set",
        )
        # Deadlines change only through PUT /phases/{id}/deadlines/ (the deadline service's checks).
        read_only_fields = ("submission_deadline", "scoring_deadline")


class ReferenceScoreSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceScore
        fields = ("reference_model", "score", "is_illustrative", "source_note")


class BenchmarkSerializer(serializers.ModelSerializer):
    reference_scores = ReferenceScoreSerializer(many=True, read_only=True)

    class Meta:
        model = Benchmark
        fields = (
            "id",
            "code",
            "name",
            "category",
            "higher_is_better",
            "scale",
            "is_illustrative",
            "source_note",
            "reference_scores",
        )


class ResultRowSerializer(serializers.ModelSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ResultRow
        fields = ("benchmark", "score", "model_version", "notes", "source_row")


class ResultUploadSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ResultUpload
        fields = (
            "id",
            "phase",
            "consortium",
            "uploaded_by",
            "uploaded_at",
            "display_name",
            "sha256",
            "size",
            "format",
            "encoding",
            "row_count",
            "is_current",
        )


class ResultUploadDetailSerializer(ResultUploadSerializer):
    rows = ResultRowSerializer(many=True, read_only=True)

    class Meta(ResultUploadSerializer.Meta):
        fields = (*ResultUploadSerializer.Meta.fields, "rows")


class EvaluatorAssignmentSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    evaluator = serializers.SlugRelatedField(slug_field="username", read_only=True)
    score_sheet = serializers.PrimaryKeyRelatedField(source="sheet", read_only=True)

    class Meta:
        model = EvaluatorAssignment
        fields = ("id", "phase", "consortium", "evaluator", "assigned_at", "score_sheet")


class CriterionScoreSerializer(serializers.ModelSerializer):
    criterion_key = serializers.CharField(source="criterion.key", read_only=True)
    max_points = serializers.DecimalField(
        source="criterion.max_points", max_digits=6, decimal_places=2, read_only=True
    )

    class Meta:
        model = CriterionScore
        fields = ("criterion", "criterion_key", "max_points", "points", "comment")


class ScoreSheetSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="assignment.phase.code", read_only=True)
    consortium = serializers.CharField(source="assignment.consortium.code", read_only=True)
    evaluator = serializers.CharField(source="assignment.evaluator.username", read_only=True)
    scores = CriterionScoreSerializer(many=True, read_only=True)

    class Meta:
        model = ScoreSheet
        fields = (
            "id",
            "phase",
            "consortium",
            "evaluator",
            "status",
            "version",
            "updated_at",
            "submitted_at",
            "scores",
        )


class GateResultSerializer(serializers.ModelSerializer):
    gate = serializers.CharField(source="gate.key", read_only=True)
    phase = serializers.CharField(source="gate.phase.code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = GateResult
        fields = (
            "id",
            "phase",
            "gate",
            "consortium",
            "passed",
            "reason",
            "evidence",
            "decided_by",
            "decided_at",
            "is_illustrative",
            "source_note",
        )


class PanelResultSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    component = serializers.CharField(source="component.key", read_only=True)
    criterion = serializers.CharField(source="criterion.key", read_only=True, default=None, allow_null=True)

    class Meta:
        model = PanelResult
        fields = (
            "id",
            "phase",
            "consortium",
            "component",
            "criterion",
            "points",
            "panel_size",
            "note",
            "entered_at",
            "is_illustrative",
            "source_note",
        )


@extend_schema_field(StandingsRowSerializer(many=True))
class StandingsRowsField(serializers.Field):
    """A snapshot's table, read through ``StandingsSnapshot.rows()`` and written as it is stored."""

    def to_representation(self, value: tuple[pure.Row, ...]) -> list[pure.RowJSON]:
        return [row.as_dict() for row in value]


class StandingsSnapshotSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_stale = serializers.SerializerMethodField()
    # Output only (the viewsets are read-only): a list of typed rows (StandingsRowSerializer).
    table = StandingsRowsField(
        source="rows", read_only=True, label=StandingsSnapshot._meta.get_field("table").verbose_name
    )

    class Meta:
        model = StandingsSnapshot
        fields = (
            "id",
            "phase",
            "generation",
            "inputs_hash",
            "computed_at",
            "duration_ms",
            "trigger",
            "cut_count",
            "cut_line_tie",
            "is_official",
            "is_stale",
            "table",
        )

    def get_is_stale(self, obj) -> bool:
        return obj.generation < obj.phase.standings_generation


class StandingsSnapshotHistorySerializer(StandingsSnapshotSerializer):
    """The same fields for the snapshot history. A class of its own so the history's page (cursor-paginated,
    no count) gets its own schema component: sharing one name with the latest-per-phase list (limit/offset,
    with count) gave both the same page schema in /api/schema/."""


# --- lifecycle: readiness and transition previews (read from evaluations.readiness / services) ---------

# Named in SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES (other serializers have a "kind" field too).
READINESS_INPUT_KINDS = [k.value for k in InputKind]


class ReadinessColumnSerializer(serializers.Serializer):
    key = serializers.CharField(
        help_text="results, sheets:<component>, panel:<component>[/<criterion>], gate:<gate>"
    )
    kind = serializers.ChoiceField(choices=READINESS_INPUT_KINDS)
    label = serializers.CharField()


class ReadinessCellSerializer(serializers.Serializer):
    column = serializers.CharField(source="column.key")
    kind = serializers.ChoiceField(source="column.kind", choices=READINESS_INPUT_KINDS)
    complete = serializers.BooleanField()
    text = serializers.CharField()
    url = serializers.CharField(help_text="the page where the missing input is entered")
    done = serializers.IntegerField(
        allow_null=True, help_text="results: benchmarks covered (null: no upload); sheets: submitted"
    )
    required = serializers.IntegerField(
        allow_null=True, help_text="results: benchmarks in the team's set; sheets: assigned"
    )
    gate = serializers.ChoiceField(allow_null=True, choices=[g.value for g in GateState])


class ReadinessRowSerializer(serializers.Serializer):
    consortium = serializers.CharField(source="code")
    name = serializers.CharField()
    complete = serializers.BooleanField()
    cells = ReadinessCellSerializer(many=True)


class ReadinessSerializer(serializers.Serializer):
    phase = serializers.CharField(source="phase.code")
    complete = serializers.BooleanField()
    missing_count = serializers.IntegerField()
    columns = ReadinessColumnSerializer(many=True)
    rows = ReadinessRowSerializer(many=True)


class TransitionBlockerSerializer(serializers.Serializer):
    message = serializers.CharField()
    code = serializers.ChoiceField(choices=["transition_state", "transition_blocked"])


class FinalizeOutcomesSerializer(serializers.Serializer):
    advancing = serializers.ListField(child=serializers.CharField())
    eliminated_on_points = serializers.ListField(child=serializers.CharField())
    disqualified_by_gate = serializers.ListField(child=serializers.CharField())
    next_phase = serializers.SerializerMethodField()
    table = serializers.SerializerMethodField()

    def get_next_phase(self, obj) -> str | None:
        return obj.next_phase.code if obj.next_phase else None

    @extend_schema_field(OpenApiTypes.ANY)
    def get_table(self, obj) -> list:
        return obj.table.as_rows()


class TransitionPreviewSerializer(serializers.Serializer):
    phase = serializers.CharField(source="check.phase.code")
    transition = serializers.CharField(source="check.transition.value")
    from_status = serializers.CharField(source="check.transition.from_status")
    to_status = serializers.CharField(source="check.transition.to_status")
    allowed = serializers.BooleanField(source="check.allowed")
    changes = serializers.ListField(source="check.changes", child=serializers.CharField())
    blockers = TransitionBlockerSerializer(source="check.blockers", many=True)
    warnings = serializers.ListField(source="check.warnings", child=serializers.CharField())
    readiness = ReadinessSerializer()
    outcomes = FinalizeOutcomesSerializer(
        source="finalize", allow_null=True, help_text="finalize only: who advances, who leaves, the table"
    )


class TransitionPreviewQuerySerializer(serializers.Serializer):
    transition = serializers.ChoiceField(choices=[t.value for t in Transition])


# --- input -------------------------------------------------------------------------------------------


class ResultUploadInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    file = serializers.FileField(allow_empty_file=True, use_url=False)


class EvaluatorAssignInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    evaluator = serializers.SlugRelatedField(slug_field="username", queryset=get_user_model().objects.all())


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    comment = serializers.CharField(allow_blank=True, required=False, default="", max_length=MAX_COMMENT)


class ScoreSheetInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version the edit is based on (stale writes get 409)."
    )
    scores = ScoreInputSerializer(many=True)
    submit = serializers.BooleanField(default=False)


class GateResultInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    gate = serializers.CharField(max_length=40)
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    passed = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, required=False, default="", max_length=MAX_GATE_TEXT)
    evidence = serializers.CharField(allow_blank=True, required=False, default="", max_length=MAX_GATE_TEXT)

    def validate(self, attrs):
        # The gate key is looked up in the phase given: an unknown key is bad input (400 naming the field),
        # not a missing page (404).
        gate = RubricGate.objects.filter(phase=attrs["phase"], key=attrs["gate"]).first()
        if gate is None:
            phase = attrs["phase"].code
            message = _("%(phase)s has no gate %(key)r.") % {"phase": phase, "key": attrs["gate"]}
            raise serializers.ValidationError({"gate": message})
        return {**attrs, "gate": gate}


class PanelResultInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    component = serializers.CharField(max_length=40)
    criterion = serializers.CharField(max_length=40, required=False, allow_null=True, default=None)
    points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    panel_size = serializers.IntegerField(
        min_value=1, max_value=MAX_PANEL_SIZE, required=False, allow_null=True, default=None
    )
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=MAX_PANEL_NOTE)

    def validate(self, attrs):
        # Component and criterion keys are looked up in the phase given: an unknown key is bad input (400
        # naming the field), not a missing page (404).
        component = RubricComponent.objects.filter(phase=attrs["phase"], key=attrs["component"]).first()
        if component is None:
            message = _("%(phase)s has no rubric component %(key)r.") % {
                "phase": attrs["phase"].code,
                "key": attrs["component"],
            }
            raise serializers.ValidationError({"component": message})
        criterion = None
        if attrs["criterion"]:
            criterion = RubricCriterion.objects.filter(component=component, key=attrs["criterion"]).first()
            if criterion is None:
                message = _("%(component)s has no criterion %(key)r.") % {
                    "component": component.key,
                    "key": attrs["criterion"],
                }
                raise serializers.ValidationError({"criterion": message})
        return {**attrs, "component": component, "criterion": criterion}


class WeightsInputSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0)
    )


class WhatIfInputSerializer(serializers.Serializer):
    weights = serializers.DictField(
        child=serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0),
        required=False,
        allow_null=True,
    )
    cut_count = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
