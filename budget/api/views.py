"""Budget endpoints: parse → call a budget service or selector → serialize. Visibility is in get_queryset."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from budget import services
from budget.api import serializers as s
from budget.filters import AllocationFilterSet, BudgetLineFilterSet, ExecutionFilterSet, GpuUsageFilterSet
from budget.models import BudgetLine
from budget.permissions import can_view_budget_lines
from budget.selectors import (
    allocation_list_visible_to,
    allocation_room,
    budget_line_amendment_list,
    budget_line_figures,
    execution_list_visible_to,
    gpu_usage_list_visible_to,
)
from common.api.pagination import LargeTableCursorPagination
from common.roles import MEMBERS, RECORDERS, STAFF, TEAM_READERS
from consortia.models import Consortium


class BudgetLineViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Budget lines with allocated / executed / remaining figures (SQL aggregates). Staff create and amend;
    an amendment is a record of its own (who, when, why, old and new amount)."""

    serializer_class = s.BudgetLineSerializer
    filterset_class = BudgetLineFilterSet
    ordering_fields = ("fiscal_year", "code", "amount_krw")
    read_roles = TEAM_READERS
    write_roles = STAFF

    def get_queryset(self):
        if not can_view_budget_lines(self.request.user):
            return BudgetLine.objects.none()
        ids = BudgetLine.objects.values_list("program_id", flat=True).distinct()
        qs = None
        for program_id in ids:
            part = budget_line_figures(program_id=program_id)
            qs = part if qs is None else qs | part
        return qs if qs is not None else BudgetLine.objects.none()

    @extend_schema(request=s.BudgetLineInputSerializer, responses={201: s.BudgetLineSerializer})
    def create(self, request, *args, **kwargs):
        data = s.BudgetLineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = services.budget_line_create(actor=request.user, **data.validated_data)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=line.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.AmendInputSerializer, responses={201: s.BudgetLineAmendmentSerializer})
    @action(detail=True, methods=["post"])
    def amend(self, request, pk=None):
        """Change the line's amount, with a reason (refused below what is already allocated)."""
        data = s.AmendInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        amendment = services.budget_line_amend(
            line=self.get_object(), actor=request.user, **data.validated_data
        )
        return Response(s.BudgetLineAmendmentSerializer(amendment).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: s.BudgetLineAmendmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def amendments(self, request, pk=None):
        return Response(
            s.BudgetLineAmendmentSerializer(
                budget_line_amendment_list(line_id=self.get_object().pk), many=True
            ).data
        )


class AllocationViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Allocations of lines to teams (KRW; GPU model, count and period for GPU lines). Caps are checked in
    the database transaction with row locks. Members see only their own team's."""

    serializer_class = s.AllocationSerializer
    filterset_class = AllocationFilterSet
    ordering_fields = ("period_start", "amount_krw", "id")
    ordering = ("period_start", "id")
    read_roles = TEAM_READERS
    write_roles = STAFF

    def get_queryset(self):
        return allocation_list_visible_to(user=self.request.user)

    @extend_schema(request=s.AllocationInputSerializer, responses={201: s.AllocationSerializer})
    def create(self, request, *args, **kwargs):
        data = s.AllocationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        v["gpu_model"] = v.get("gpu_model") or None
        allocation = services.allocation_create(actor=request.user, **v)
        return Response(
            self.get_serializer(self.get_queryset().get(pk=allocation.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("line", OpenApiTypes.STR, required=True, description="budget line code"),
            OpenApiParameter("consortium", OpenApiTypes.STR, required=True, description="consortium code"),
            OpenApiParameter("fiscal_year", OpenApiTypes.INT, required=False),
        ],
        responses={200: s.AllocationRoomSerializer},
    )
    @action(detail=False, methods=["get"])
    def room(self, request):
        """Room left for a new allocation: under the line and under the team's cap for the category."""
        params = request.query_params
        if not params.get("line") or not params.get("consortium"):
            raise exceptions.ValidationError({"line": ["required"], "consortium": ["required"]})
        # Empty means not given, as for every other query parameter (GET forms send empty fields).
        fiscal_year = params.get("fiscal_year") or None
        if fiscal_year is not None and not fiscal_year.isdigit():
            raise exceptions.ValidationError({"fiscal_year": ["must be a year, e.g. 2026"]})
        room = allocation_room(
            line=get_object_or_404(BudgetLine, code=params["line"]),
            consortium=get_object_or_404(Consortium, code=params["consortium"]),
            fiscal_year=int(fiscal_year) if fiscal_year else None,
        )
        return Response(s.AllocationRoomSerializer(room).data)

    def get_read_roles(self):
        return STAFF if self.action == "room" else TEAM_READERS


class ExecutionViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Spending against an allocation, with evidence; approved or rejected by ministry staff (not by the
    person who recorded it). The team's members may record their own spending."""

    serializer_class = s.ExecutionSerializer
    filterset_class = ExecutionFilterSet
    pagination_class = LargeTableCursorPagination
    ordering_fields = ("spent_on", "id")
    parser_classes = (JSONParser, MultiPartParser, FormParser)
    read_roles = TEAM_READERS

    def get_write_roles(self):
        if self.action == "create":
            return RECORDERS
        return STAFF

    def get_queryset(self):
        return execution_list_visible_to(user=self.request.user)

    @extend_schema(request=s.ExecutionInputSerializer, responses={201: s.ExecutionSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ExecutionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        execution = services.execution_record(actor=request.user, **data.validated_data)
        return Response(self.get_serializer(execution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.DecisionInputSerializer, responses={200: s.ExecutionSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = s.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        execution = services.execution_approve(
            execution=self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(self.get_serializer(execution).data)

    @extend_schema(request=s.RejectInputSerializer, responses={200: s.ExecutionSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = s.RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        execution = services.execution_reject(
            execution=self.get_object(), actor=request.user, reason=data.validated_data["note"]
        )
        return Response(self.get_serializer(execution).data)


class GpuUsageViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """GPU-hours used per month and GPU model, as reported by each team (CSV/JSON upload, validated like
    result uploads). ``?history=true`` includes superseded rows."""

    serializer_class = s.GpuUsageEntrySerializer
    filterset_class = GpuUsageFilterSet
    pagination_class = LargeTableCursorPagination
    ordering_fields = ("month", "id")
    parser_classes = (MultiPartParser, FormParser)
    read_roles = TEAM_READERS
    write_roles = MEMBERS

    def get_queryset(self):
        history = self.request.query_params.get("history") in ("1", "true")
        return gpu_usage_list_visible_to(user=self.request.user, current_only=not history)

    @extend_schema(
        request=s.GpuUsageUploadInputSerializer, responses={201: s.GpuUsageEntrySerializer(many=True)}
    )
    def create(self, request, *args, **kwargs):
        data = s.GpuUsageUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.gpu_usage_upload(actor=request.user, **data.validated_data)
        return Response(
            s.GpuUsageEntrySerializer(report.entries.select_related("consortium").all(), many=True).data,
            status=status.HTTP_201_CREATED,
        )
