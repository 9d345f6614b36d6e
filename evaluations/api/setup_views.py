"""A phase's set-up through the API: create a phase (or the next one from an earlier phase), change its
details, and the rubric components and criteria, gates, benchmark set, target models, reference scores
and participants. Parse → call the same service as the set-up page → serialize. Everyone who may read the
phases may read these; only ministry staff write. A phase in the wrong state is refused as the status
actions refuse it (400, code ``phase_status``)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from common.roles import ALL_ROLES, STAFF
from evaluations import services
from evaluations.api import serializers as s
from evaluations.api import setup_serializers as ss
from evaluations.filters import (
    PhaseBenchmarkFilterSet,
    PhaseParticipantFilterSet,
    ReferenceScoreFilterSet,
    RubricComponentFilterSet,
    RubricCriterionFilterSet,
    RubricGateFilterSet,
    TargetModelFilterSet,
)
from evaluations.models import (
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class PhaseSetupActions:
    """Create, change and "next phase from this one" for ``PhaseViewSet`` (which reads them back with its
    own queryset and serializer)."""

    def _phase_data(self, pk: int) -> dict:
        return self.get_serializer(self.get_queryset().get(pk=pk)).data  # type: ignore[attr-defined]

    @extend_schema(request=ss.PhaseCreateInputSerializer, responses={201: s.PhaseSerializer})
    def create(self, request, *args, **kwargs):
        """A new, empty draft phase (order after the program's last phase unless given)."""
        phase = services.phase_create(
            actor=request.user, **_valid(ss.PhaseCreateInputSerializer, request.data)
        )
        return Response(self._phase_data(phase.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=ss.PhaseUpdateInputSerializer, responses={200: s.PhaseSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change name, dates, team counts or frontier threshold (draft or open phases only)."""
        phase = self.get_object()  # type: ignore[attr-defined]
        values = {**services.phase_setup_values(phase), **_valid(ss.PhaseUpdateInputSerializer, request.data)}
        services.phase_update(phase=phase, actor=request.user, **values)
        return Response(self._phase_data(phase.pk))

    @extend_schema(request=ss.PhaseNextInputSerializer, responses={201: ss.NextPhaseSerializer})
    @action(detail=True, methods=["post"])
    def next(self, request, pk=None):
        """A draft phase from this one: rubric, gates and benchmark set copied; the teams that advanced (or,
        before this phase is finalized, its active teams) with their target models as participants."""
        source = self.get_object()  # type: ignore[attr-defined]
        result = services.phase_create_next(
            source=source, actor=request.user, **_valid(ss.PhaseNextInputSerializer, request.data)
        )
        return Response(ss.NextPhaseSerializer(result).data, status=status.HTTP_201_CREATED)


class _SetupViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    read_roles = ALL_ROLES
    write_roles = STAFF
    ordering = ("id",)
    ordering_fields = ("id",)


class RubricComponentViewSet(_SetupViewSet):
    """Rubric components of every phase (``?phase=P2``), with their criteria."""

    serializer_class = ss.RubricComponentOutputSerializer
    filterset_class = RubricComponentFilterSet

    def get_queryset(self):
        return RubricComponent.objects.select_related("phase").prefetch_related("criteria")

    @extend_schema(
        request=ss.RubricComponentInputSerializer, responses={201: ss.RubricComponentOutputSerializer}
    )
    def create(self, request, *args, **kwargs):
        component = services.rubric_component_create(
            actor=request.user, **_valid(ss.RubricComponentInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=component.pk)).data, status=201)

    @extend_schema(
        request=ss.RubricComponentUpdateInputSerializer, responses={200: ss.RubricComponentOutputSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        component = self.get_object()
        current = {f: getattr(component, f) for f in ("name", "note", "source", "panel_size", "weight")}
        values = {**current, **_valid(ss.RubricComponentUpdateInputSerializer, request.data)}
        services.rubric_component_update(component=component, actor=request.user, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=component.pk)).data)

    def perform_destroy(self, instance):
        services.rubric_component_delete(component=instance, actor=self.request.user)


class RubricCriterionViewSet(_SetupViewSet):
    """Criteria of the rubric components (``?phase=P2``, ``?component=<id>``)."""

    serializer_class = ss.RubricCriterionOutputSerializer
    filterset_class = RubricCriterionFilterSet

    def get_queryset(self):
        return RubricCriterion.objects.select_related("component__phase")

    @extend_schema(
        request=ss.RubricCriterionInputSerializer, responses={201: ss.RubricCriterionOutputSerializer}
    )
    def create(self, request, *args, **kwargs):
        criterion = services.rubric_criterion_create(
            actor=request.user, **_valid(ss.RubricCriterionInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=criterion.pk)).data, status=201)

    @extend_schema(
        request=ss.RubricCriterionUpdateInputSerializer, responses={200: ss.RubricCriterionOutputSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        criterion = self.get_object()
        current = {f: getattr(criterion, f) for f in ("name", "max_points", "benchmark_group", "note")}
        values = {**current, **_valid(ss.RubricCriterionUpdateInputSerializer, request.data)}
        services.rubric_criterion_update(criterion=criterion, actor=request.user, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=criterion.pk)).data)

    def perform_destroy(self, instance):
        services.rubric_criterion_delete(criterion=instance, actor=self.request.user)


class RubricGateViewSet(_SetupViewSet):
    """Pass/fail gates of every phase (``?phase=P2``), with their description."""

    serializer_class = ss.RubricGateOutputSerializer
    filterset_class = RubricGateFilterSet

    def get_queryset(self):
        return RubricGate.objects.select_related("phase")

    @extend_schema(request=ss.RubricGateInputSerializer, responses={201: ss.RubricGateOutputSerializer})
    def create(self, request, *args, **kwargs):
        gate = services.rubric_gate_create(
            actor=request.user, **_valid(ss.RubricGateInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=gate.pk)).data, status=201)

    @extend_schema(request=ss.RubricGateUpdateInputSerializer, responses={200: ss.RubricGateOutputSerializer})
    def partial_update(self, request, *args, **kwargs):
        gate = self.get_object()
        current = {"name": gate.name, "description": gate.description}
        values = {**current, **_valid(ss.RubricGateUpdateInputSerializer, request.data)}
        services.rubric_gate_update(gate=gate, actor=request.user, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=gate.pk)).data)

    def perform_destroy(self, instance):
        services.rubric_gate_delete(gate=instance, actor=self.request.user)


class PhaseBenchmarkViewSet(_SetupViewSet):
    """The benchmark sets (``?phase=P2``, ``?group=common``, ``?consortium=LG`` for team-specific ones)."""

    serializer_class = ss.PhaseBenchmarkOutputSerializer
    filterset_class = PhaseBenchmarkFilterSet

    def get_queryset(self):
        return PhaseBenchmark.objects.select_related("phase", "benchmark", "consortium")

    @extend_schema(
        request=ss.PhaseBenchmarkInputSerializer, responses={201: ss.PhaseBenchmarkOutputSerializer}
    )
    def create(self, request, *args, **kwargs):
        entry = services.phase_benchmark_add(
            actor=request.user, **_valid(ss.PhaseBenchmarkInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=entry.pk)).data, status=201)

    def perform_destroy(self, instance):
        services.phase_benchmark_remove(entry=instance, actor=self.request.user)


class TargetModelViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Each team's declared target model per phase. POST sets it (again: it replaces the declaration)."""

    serializer_class = ss.TargetModelSerializer
    filterset_class = TargetModelFilterSet
    read_roles = ALL_ROLES
    write_roles = STAFF
    ordering = ("id",)
    ordering_fields = ("id",)

    def get_queryset(self):
        return TargetModel.objects.select_related("phase", "consortium")

    @extend_schema(request=ss.TargetModelInputSerializer, responses={201: ss.TargetModelSerializer})
    def create(self, request, *args, **kwargs):
        target = services.target_model_set(
            actor=request.user, **_valid(ss.TargetModelInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data, status=201)

    @extend_schema(request=ss.TargetModelUpdateInputSerializer, responses={200: ss.TargetModelSerializer})
    def partial_update(self, request, *args, **kwargs):
        target = self.get_object()
        services.target_model_set(
            phase=target.phase,
            consortium=target.consortium,
            actor=request.user,
            **_valid(ss.TargetModelUpdateInputSerializer, request.data),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=target.pk)).data)


class ReferenceScoreViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Frontier models' published scores (``?benchmark=MMLU-Pro``, ``?reference_model=...``). POST records
    or corrects one."""

    serializer_class = ss.ReferenceScoreOutputSerializer
    filterset_class = ReferenceScoreFilterSet
    read_roles = ALL_ROLES
    write_roles = STAFF
    ordering = ("id",)
    ordering_fields = ("id",)

    def get_queryset(self):
        return ReferenceScore.objects.select_related("benchmark")

    @extend_schema(
        request=ss.ReferenceScoreInputSerializer, responses={201: ss.ReferenceScoreOutputSerializer}
    )
    def create(self, request, *args, **kwargs):
        score = services.reference_score_set(
            actor=request.user, **_valid(ss.ReferenceScoreInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=score.pk)).data, status=201)

    @extend_schema(
        request=ss.ReferenceScoreUpdateInputSerializer, responses={200: ss.ReferenceScoreOutputSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        score = self.get_object()
        services.reference_score_set(
            benchmark=score.benchmark,
            reference_model=score.reference_model,
            actor=request.user,
            **_valid(ss.ReferenceScoreUpdateInputSerializer, request.data),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=score.pk)).data)


class PhaseParticipantViewSet(mixins.CreateModelMixin, _SetupViewSet):
    """The teams taking part in each phase (``?phase=P2``), with their official outcome once finalized."""

    serializer_class = ss.PhaseParticipantSerializer
    filterset_class = PhaseParticipantFilterSet

    def get_queryset(self):
        return PhaseParticipant.objects.select_related("phase", "consortium")

    @extend_schema(request=ss.PhaseParticipantInputSerializer, responses={201: ss.PhaseParticipantSerializer})
    def create(self, request, *args, **kwargs):
        participant = services.phase_participant_add(
            actor=request.user, **_valid(ss.PhaseParticipantInputSerializer, request.data)
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=participant.pk)).data, status=201)

    def perform_destroy(self, instance):
        services.phase_participant_remove(participant=instance, actor=self.request.user)
