from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from common.api.pagination import LargeTableCursorPagination
from common.api.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenInputSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
)
from common.filters import ApiTokenFilterSet, AuditEventFilterSet
from common.models import ApiToken
from common.roles import READERS, STAFF
from common.selectors import audit_event_list
from common.services import api_token_create, api_token_revoke


@extend_schema(responses={200: {"type": "object", "properties": {"status": {"type": "string"}}}})
@api_view(["GET"])
@permission_classes([AllowAny])
def ping(request):
    """Liveness of the API itself (no database): the framework's ceiling in load tests."""
    return Response({"status": "ok"})


@extend_schema(exclude=True)
@api_view(["GET"])
@permission_classes([AllowAny])
def ping_without_slash(request):
    """/api/v1/ping as before the API had one URL style (every path ends with a slash)."""
    return Response({"status": "ok"})


class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only, hash-chained audit trail (ministry staff and auditors)."""

    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet
    pagination_class = LargeTableCursorPagination
    read_roles = READERS
    write_roles = frozenset()
    ordering_fields = ("id", "occurred_at")

    def get_queryset(self):
        return audit_event_list()


class ApiTokenViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """API tokens: ministry staff create them for a user (the key is shown once) and revoke them."""

    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilterSet
    read_roles = STAFF
    write_roles = STAFF
    ordering_fields = ("created_at",)

    def get_queryset(self):
        return ApiToken.objects.select_related("user").order_by("-created_at")

    @extend_schema(request=ApiTokenInputSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        data = ApiTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw_key = api_token_create(created_by=request.user, **data.validated_data)
        token.key = raw_key
        return Response(ApiTokenCreatedSerializer(token).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        token = api_token_revoke(token=self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)
