"""Serializers of a phase's set-up: inputs check shape only (the services decide every rule), outputs show
the rows with their phase, team and benchmark by code."""

from __future__ import annotations

from rest_framework import serializers

from consortia.models import Consortium, Program
from evaluations.api import serializers as s
from evaluations.models import (
    Benchmark,
    BenchmarkGroup,
    Phase,
    PhaseParticipant,
    RubricComponent,
    TargetModel,
)

# --- output ------------------------------------------------------------------------------------------


class RubricComponentOutputSerializer(s.RubricComponentSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(s.RubricComponentSerializer.Meta):
        fields = ("id", "phase", *s.RubricComponentSerializer.Meta.fields[1:])


class RubricCriterionOutputSerializer(s.RubricCriterionSerializer):
    phase = serializers.CharField(source="component.phase.code", read_only=True)

    class Meta(s.RubricCriterionSerializer.Meta):
        fields = ("id", "phase", "component", *s.RubricCriterionSerializer.Meta.fields[1:])


class RubricGateOutputSerializer(s.RubricGateSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(s.RubricGateSerializer.Meta):
        fields = ("id", "phase", "key", "name", "description", "is_illustrative")


class PhaseBenchmarkOutputSerializer(s.PhaseBenchmarkSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(s.PhaseBenchmarkSerializer.Meta):
        fields = ("id", "phase", *s.PhaseBenchmarkSerializer.Meta.fields)


class TargetModelSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = TargetModel
        fields = ("id", "phase", "consortium", "reference_model", "is_illustrative", "source_note")


class ReferenceScoreOutputSerializer(s.ReferenceScoreSerializer):
    benchmark = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta(s.ReferenceScoreSerializer.Meta):
        fields = ("id", "benchmark", *s.ReferenceScoreSerializer.Meta.fields)


class PhaseParticipantSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PhaseParticipant
        fields = ("id", "phase", "consortium", "outcome", "final_rank", "final_total")


class NextPhaseSerializer(serializers.Serializer):
    """The phase made from ``source``, the teams it took, and whether those are the source's official
    advancing teams (``source_finalized``) or, provisionally, its still-active participants."""

    phase = s.PhaseSerializer(read_only=True)
    source = serializers.CharField(source="source.code", read_only=True)
    teams = serializers.SerializerMethodField()
    source_finalized = serializers.BooleanField(read_only=True)

    def get_teams(self, obj) -> list[str]:
        return [team.code for team in obj.teams]


# --- input -------------------------------------------------------------------------------------------

_DATE = {"required": False, "allow_null": True}


class _PhaseDetailsInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    development_start = serializers.DateField(**_DATE)
    showcase_on = serializers.DateField(**_DATE)
    evaluation_start = serializers.DateField(**_DATE)
    result_on = serializers.DateField(**_DATE)
    teams_in = serializers.IntegerField(min_value=1, max_value=100, required=False, allow_null=True)
    teams_advancing = serializers.IntegerField(min_value=0, max_value=100)
    frontier_threshold = serializers.DecimalField(
        max_digits=4, decimal_places=3, required=False, allow_null=True
    )


class PhaseCreateInputSerializer(_PhaseDetailsInput):
    program = serializers.SlugRelatedField(slug_field="code", queryset=Program.objects.all())
    code = serializers.SlugField(max_length=40)
    order = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)


class PhaseNextInputSerializer(_PhaseDetailsInput):
    code = serializers.SlugField(max_length=40)
    order = serializers.IntegerField(min_value=0, max_value=1000, required=False, allow_null=True)


class PhaseUpdateInputSerializer(_PhaseDetailsInput):
    """Every field optional: what is left out keeps its value."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["frontier_threshold"].allow_null = False


_PHASE = {"slug_field": "code", "queryset": Phase.objects.all()}
_TEAM = {"slug_field": "code", "queryset": Consortium.objects.all()}


class RubricComponentInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(**_PHASE)
    key = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    weight = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100)
    source = serializers.ChoiceField(choices=RubricComponent.Source.choices)
    max_points = serializers.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    panel_size = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class RubricComponentUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False
    )
    source = serializers.ChoiceField(choices=RubricComponent.Source.choices, required=False)
    panel_size = serializers.IntegerField(min_value=1, max_value=10000, required=False, allow_null=True)
    note = serializers.CharField(allow_blank=True, required=False)


class RubricCriterionInputSerializer(serializers.Serializer):
    component = serializers.PrimaryKeyRelatedField(queryset=RubricComponent.objects.all())
    key = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0)
    benchmark_group = serializers.ChoiceField(
        choices=BenchmarkGroup.choices, allow_blank=True, required=False, default=""
    )
    note = serializers.CharField(allow_blank=True, required=False, default="")


class RubricCriterionUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=0, required=False)
    benchmark_group = serializers.ChoiceField(
        choices=BenchmarkGroup.choices, allow_blank=True, required=False
    )
    note = serializers.CharField(allow_blank=True, required=False)


class RubricGateInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(**_PHASE)
    key = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(allow_blank=True, required=False, default="")


class RubricGateUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(allow_blank=True, required=False)


class PhaseBenchmarkInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(**_PHASE)
    benchmark = serializers.SlugRelatedField(slug_field="code", queryset=Benchmark.objects.all())
    group = serializers.ChoiceField(choices=BenchmarkGroup.choices)
    consortium = serializers.SlugRelatedField(**_TEAM, required=False, allow_null=True, default=None)


class TargetModelInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(**_PHASE)
    consortium = serializers.SlugRelatedField(**_TEAM)
    reference_model = serializers.CharField(max_length=100)


class TargetModelUpdateInputSerializer(serializers.Serializer):
    reference_model = serializers.CharField(max_length=100)


class ReferenceScoreInputSerializer(serializers.Serializer):
    benchmark = serializers.SlugRelatedField(slug_field="code", queryset=Benchmark.objects.all())
    reference_model = serializers.CharField(max_length=100)
    score = serializers.DecimalField(max_digits=10, decimal_places=3)


class ReferenceScoreUpdateInputSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=10, decimal_places=3)


class PhaseParticipantInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(**_PHASE)
    consortium = serializers.SlugRelatedField(**_TEAM)
