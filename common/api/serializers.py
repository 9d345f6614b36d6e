from __future__ import annotations

from django.contrib.auth import get_user_model
from rest_framework import serializers

from common.models import ApiToken, AuditEvent


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = (
            "id",
            "occurred_at",
            "actor",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "context",
            "prev_hash",
            "hash",
        )


class ApiTokenSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = ApiToken
        fields = (
            "id",
            "name",
            "user",
            "username",
            "prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
            "is_active",
        )


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(
        read_only=True, help_text="The token key. Shown once; only its hash is stored."
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = (*ApiTokenSerializer.Meta.fields, "key")


class ApiTokenInputSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=get_user_model().objects.filter(is_active=True))
    name = serializers.CharField(max_length=100)
