"""The shapes of a standings table's rows and of the answers built from them (finalize-preview, what-if).

The rows are written as ``evaluations.standings.Row.as_dict`` stores them (decimals as exact text such as
"90.20"); these serializers give them a typed schema, so a generated client gets a typed row with its
components, gates and outcome instead of free-form JSON.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evaluations import standings as pure
from evaluations.models import PhaseParticipant

# The standings' outcomes with their labels (a participant's official outcome is one of them).
STANDINGS_OUTCOMES = PhaseParticipant.Outcome.choices
STANDINGS_MISSING_KINDS = [m.value for m in pure.Missing]


@extend_schema_field({"type": "string", "format": "decimal"})
class DecimalTextField(serializers.CharField):
    """A decimal as exact text (e.g. "90.20"), as the standings store it."""


class ComponentPointsSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the rubric component's key")
    weight = DecimalTextField()
    points = DecimalTextField(allow_null=True, help_text="null while an input is missing")


class GateDecisionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the gate's key")
    passed = serializers.BooleanField(allow_null=True, help_text="null while the gate is not decided")


class MissingItemSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=STANDINGS_MISSING_KINDS)
    subject = serializers.CharField(help_text="what is missing, e.g. a benchmark code or component/criterion")


class StandingsRowSerializer(serializers.Serializer):
    """One team's row of a standings table."""

    consortium_id = serializers.IntegerField()
    label = serializers.CharField(help_text="the team's code")
    components = ComponentPointsSerializer(many=True)
    total = DecimalTextField(allow_null=True)
    frontier_ratio = DecimalTextField(allow_null=True)
    meets_frontier_threshold = serializers.BooleanField(allow_null=True)
    gates = GateDecisionSerializer(many=True)
    rank = serializers.IntegerField(allow_null=True, help_text="null when not ranked")
    outcome = serializers.ChoiceField(choices=STANDINGS_OUTCOMES)
    missing = MissingItemSerializer(many=True, help_text="the inputs a not-ranked row still lacks")


class NotRankedSerializer(serializers.Serializer):
    team = serializers.CharField()
    missing = serializers.ListField(child=serializers.CharField(), help_text="what is missing, in words")


class FinalizePreviewSerializer(serializers.Serializer):
    """What finalizing would change; the answer of GET phases/{id}/finalize-preview/."""

    phase = serializers.CharField()
    can_finalize = serializers.BooleanField()
    problems = serializers.ListField(child=serializers.CharField(), help_text="what blocks finalizing")
    advancing = serializers.ListField(child=serializers.CharField())
    eliminated_on_points = serializers.ListField(child=serializers.CharField())
    disqualified_by_gate = serializers.ListField(child=serializers.CharField())
    not_ranked = NotRankedSerializer(many=True)
    next_phase = serializers.CharField(allow_null=True, help_text="where the advancing teams go")
    table = StandingsRowSerializer(many=True)


class OutcomeChangeSerializer(serializers.Serializer):
    team = serializers.CharField()
    current = serializers.ChoiceField(choices=STANDINGS_OUTCOMES)
    what_if = serializers.ChoiceField(choices=STANDINGS_OUTCOMES)


class SensitivityChangeSerializer(serializers.Serializer):
    team = serializers.CharField()
    current = serializers.ChoiceField(choices=STANDINGS_OUTCOMES)
    without = serializers.ChoiceField(choices=STANDINGS_OUTCOMES)


class SensitivitySerializer(serializers.Serializer):
    removed = serializers.CharField(help_text='"evaluator:<username>" or "benchmark:<code>"')
    changes = SensitivityChangeSerializer(many=True)


class WhatIfSerializer(serializers.Serializer):
    """Standings under other weights and/or cut count; the answer of POST phases/{id}/what-if/."""

    stable = serializers.BooleanField(
        help_text="no single evaluator or benchmark, removed, changes an outcome"
    )
    changes = OutcomeChangeSerializer(many=True)
    sensitivity = SensitivitySerializer(many=True)
    current = StandingsRowSerializer(many=True)
    table = StandingsRowSerializer(many=True)
