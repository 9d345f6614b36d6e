"""Deadline endpoints: ``PUT /phases/{id}/deadlines/`` (an action PhaseViewSet takes in from the mixin
below) and ``/deadline-extensions/``. Parse → deadline service or selector → serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.roles import STAFF, TEAM_READERS
from evaluations import services
from evaluations.api.deadline_serializers import (
    DeadlineExtensionInputSerializer,
    DeadlineExtensionSerializer,
    PhaseDeadlinesInputSerializer,
)
from evaluations.api.serializers import PhaseSerializer
from evaluations.filters import DeadlineExtensionFilterSet
from evaluations.selectors import deadline_extension_list_visible_to


class PhaseDeadlinesMixin:
    """The deadlines action of PhaseViewSet (a write, so staff only by its write roles)."""

    @extend_schema(request=PhaseDeadlinesInputSerializer, responses={200: PhaseSerializer})
    @action(detail=True, methods=["put"])
    def deadlines(self, request, pk=None):
        """Set both deadlines (null clears one). Refused, naming the field, before the phase opens (00:00 KST
        on its development start), a scoring deadline before the submission deadline, or once finalized."""
        phase = self.get_object()
        data = PhaseDeadlinesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.phase_deadlines_set(phase=phase, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=phase.pk)).data)


class DeadlineExtensionViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Teams' results-submission deadline extensions. Staff grant (POST: grants, or moves the team's
    existing one) and withdraw (DELETE); staff and auditors see all, a member their own team's."""

    serializer_class = DeadlineExtensionSerializer
    filterset_class = DeadlineExtensionFilterSet
    ordering_fields = ("deadline", "granted_at", "id")
    read_roles = TEAM_READERS
    write_roles = STAFF

    def get_queryset(self):
        return deadline_extension_list_visible_to(user=self.request.user)

    def get_serializer_class(self):
        return DeadlineExtensionInputSerializer if self.action == "create" else DeadlineExtensionSerializer

    @extend_schema(request=DeadlineExtensionInputSerializer, responses={201: DeadlineExtensionSerializer})
    def create(self, request, *args, **kwargs):
        data = DeadlineExtensionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        extension = services.deadline_extension_grant(actor=request.user, **data.validated_data)
        return Response(DeadlineExtensionSerializer(extension).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.deadline_extension_revoke(extension=instance, actor=self.request.user)
