from __future__ import annotations

from rest_framework import serializers

from consortia.models import Consortium, FoundationModel, Organization, Partnership


class OrganizationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ("id", "name_ko", "name_en", "kind", "country", "is_illustrative", "source_note")


class PartnershipSerializer(serializers.ModelSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta:
        model = Partnership
        fields = (
            "id",
            "organization",
            "role",
            "contribution",
            "joined_on",
            "left_on",
            "is_illustrative",
            "source_note",
        )


class FoundationModelSerializer(serializers.ModelSerializer):
    class Meta:
        model = FoundationModel
        fields = (
            "id",
            "name",
            "version",
            "architecture",
            "total_parameters",
            "active_parameters",
            "context_length",
            "modalities",
            "from_scratch_declared",
            "open_weights",
            "license",
            "released_on",
            "is_planned",
            "is_illustrative",
            "source_note",
        )


class ConsortiumSerializer(serializers.ModelSerializer):
    lead = OrganizationSerializer(read_only=True)
    partners = PartnershipSerializer(source="partnerships", many=True, read_only=True)
    models = FoundationModelSerializer(many=True, read_only=True)
    left_in_phase = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Consortium
        fields = (
            "id",
            "code",
            "name",
            "program",
            "lead",
            "status",
            "joined_on",
            "left_on",
            "left_in_phase",
            "exit_reason",
            "is_wildcard",
            "strategy",
            "is_illustrative",
            "source_note",
            "partners",
            "models",
        )


class PartnershipInputSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    contribution = serializers.CharField(max_length=300, allow_blank=True, required=False, default="")
    joined_on = serializers.DateField()
