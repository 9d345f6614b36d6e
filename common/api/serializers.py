from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.models import ApiToken, AuditEvent

_STATE_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "nullable": True,
    "description": "the object's fields (or the service's view of the change) before or after the event; "
    "null when there is none (e.g. before a create)",
}
_CONTEXT_SCHEMA = {
    "type": "object",
    "additionalProperties": True,
    "description": "where the event came from: a request (request_id, method, path, ip, user_agent) or "
    "source (e.g. system, the program file load with its file and sha256), and the service's extra details",
    "properties": {
        "source": {"type": "string"},
        "request_id": {"type": "string"},
        "method": {"type": "string"},
        "path": {"type": "string"},
        "ip": {"type": "string"},
        "user_agent": {"type": "string"},
        "extra": {"type": "object", "additionalProperties": True},
    },
}


@extend_schema_field(_STATE_SCHEMA)
class AuditStateField(serializers.JSONField):
    """An event's before or after: a JSON object, or null."""


@extend_schema_field(_CONTEXT_SCHEMA)
class AuditContextField(serializers.JSONField):
    """An event's context: a JSON object whose usual keys are typed."""


class AuditEventSerializer(serializers.ModelSerializer):
    before = AuditStateField(read_only=True)
    after = AuditStateField(read_only=True)
    context = AuditContextField(read_only=True)

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
