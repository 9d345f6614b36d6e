"""Serializers of the deadline endpoints: input (shape only; the deadline services decide) and output.
Date-times are ISO 8601 with their offset; input without one is read as KST (the portal's zone)."""

from __future__ import annotations

from rest_framework import serializers

from consortia.models import Consortium
from evaluations.limits import MAX_EXTENSION_REASON
from evaluations.models import DeadlineExtension, Phase


class DeadlineExtensionSerializer(serializers.ModelSerializer):
    phase = serializers.SlugRelatedField(slug_field="code", read_only=True)
    consortium = serializers.SlugRelatedField(slug_field="code", read_only=True)
    granted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = DeadlineExtension
        fields = ("id", "phase", "consortium", "deadline", "reason", "granted_by", "granted_at")


class PhaseDeadlinesInputSerializer(serializers.Serializer):
    """Both deadlines, as a PUT replaces them: null means no deadline."""

    submission_deadline = serializers.DateTimeField(allow_null=True)
    scoring_deadline = serializers.DateTimeField(allow_null=True)


class DeadlineExtensionInputSerializer(serializers.Serializer):
    phase = serializers.SlugRelatedField(slug_field="code", queryset=Phase.objects.all())
    consortium = serializers.SlugRelatedField(slug_field="code", queryset=Consortium.objects.all())
    deadline = serializers.DateTimeField()
    # Blank is let through so the service's own message ("An extension needs a written reason.") answers.
    reason = serializers.CharField(allow_blank=True, max_length=MAX_EXTENSION_REASON, trim_whitespace=False)
