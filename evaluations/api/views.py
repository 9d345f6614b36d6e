"""Evaluation endpoints: parse → call a service or selector → serialize. Visibility is in get_queryset."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from common.api.pagination import LargeTableCursorPagination
from common.roles import ALL_ROLES, EVALUATORS, MEMBERS, READERS, SCORING_READERS, STAFF, TEAM_READERS
from evaluations import services
from evaluations.api import serializers as s
from evaluations.api.deadline_views import PhaseDeadlinesMixin
from evaluations.api.setup_views import PhaseSetupActions
from evaluations.api.standings_serializers import FinalizePreviewSerializer, WhatIfSerializer
from evaluations.filters import (
    BenchmarkFilterSet,
    EvaluatorAssignmentFilterSet,
    PhaseFilterSet,
    ResultUploadFilterSet,
    ScoreSheetFilterSet,
    StandingsSnapshotFilterSet,
)
from evaluations.models import (
    Benchmark,
    GateResult,
    PanelResult,
    PhaseBenchmark,
    ReferenceScore,
    ResultRow,
    RubricComponent,
    RubricCriterion,
    RubricGate,
)
from evaluations.readiness import phase_readiness
from evaluations.selectors import (
    assignment_list_visible_to,
    phase_list,
    result_upload_list_visible_to,
    score_sheet_list_visible_to,
    standings_snapshots_visible_to,
    standings_tables_visible_to,
)
from evaluations.services import ScoreInput

# The one answer of every transition (open, begin-evaluation, finalize) that is refused for the state of
# the phase rather than for the request.
TRANSITION_REFUSED = OpenApiResponse(
    description=(
        "The transition was refused: the phase is not in the status it starts from (code transition_state; "
        "also the loser of two concurrent transitions of the phase), or it is blocked (code "
        "transition_blocked: e.g. no participants, weights not adding up to 100, a team not ranked). "
        "detail and errors give every reason, as GET transition-preview lists them."
    )
)


class PhaseViewSet(PhaseSetupActions, PhaseDeadlinesMixin, viewsets.ReadOnlyModelViewSet):
    """Phases with their rubric (components, criteria, gates) and benchmark set. Staff set them up
    (create, change, next phase: PhaseSetupActions), set their deadlines (PhaseDeadlinesMixin) and run
    the workflow."""

    serializer_class = s.PhaseSerializer
    filterset_class = PhaseFilterSet
    ordering_fields = ("order", "result_on")
    ordering = ("order",)
    read_roles = ALL_ROLES
    write_roles = STAFF

    def get_queryset(self):
        return phase_list().prefetch_related(
            Prefetch(
                "components",
                queryset=RubricComponent.objects.order_by("order").prefetch_related(
                    Prefetch("criteria", queryset=RubricCriterion.objects.order_by("order"))
                ),
            ),
            Prefetch("gates", queryset=RubricGate.objects.order_by("key")),
            Prefetch(
                "benchmark_set", queryset=PhaseBenchmark.objects.select_related("benchmark", "consortium")
            ),
        )

    def _run(self, service, **kwargs):
        phase = self.get_object()
        service(phase=phase, actor=self.request.user, **kwargs)
        return Response(self.get_serializer(self.get_queryset().get(pk=phase.pk)).data)

    @extend_schema(request=None, responses={200: s.PhaseSerializer, 409: TRANSITION_REFUSED})
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        """Open the phase for uploads and scoring (draft → open); transition-preview says what blocks it."""
        return self._run(services.phase_open)

    @extend_schema(request=None, responses={200: s.PhaseSerializer, 409: TRANSITION_REFUSED})
    @action(detail=True, methods=["post"], url_path="begin-evaluation")
    def begin_evaluation(self, request, pk=None):
        """Close uploads and freeze weights (open → evaluating)."""
        return self._run(services.phase_begin_evaluation)

    @extend_schema(request=None, responses={200: s.ReadinessSerializer})
    @action(detail=True, methods=["get"])
    def readiness(self, request, pk=None):
        """Per participant, each required input (results, score sheets, panel results, gate decisions):
        whether it is in, and the page where a missing one is entered."""
        return Response(s.ReadinessSerializer(phase_readiness(phase=self.get_object())).data)

    @extend_schema(
        request=None,
        parameters=[s.TransitionPreviewQuerySerializer],
        responses={200: s.TransitionPreviewSerializer},
    )
    @action(detail=True, methods=["get"], url_path="transition-preview")
    def transition_preview(self, request, pk=None):
        """What a transition (open, begin-evaluation, finalize) would change now, what blocks it (the
        reasons its POST would be refused with) and what warns, with the readiness grid."""
        query = s.TransitionPreviewQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        preview = services.phase_transition_preview(
            phase=self.get_object(), transition=services.Transition(query.validated_data["transition"])
        )
        return Response(s.TransitionPreviewSerializer(preview).data)

    @extend_schema(request=s.WeightsInputSerializer, responses={200: s.PhaseSerializer})
    @action(detail=True, methods=["post"])
    def weights(self, request, pk=None):
        """Set every component weight at once (must add up to 100; refused once evaluating)."""
        data = s.WeightsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._run(services.rubric_weights_set, weights=data.validated_data["weights"])

    @extend_schema(request=None, responses={200: FinalizePreviewSerializer})
    @action(detail=True, methods=["get"], url_path="finalize-preview")
    def finalize_preview(self, request, pk=None):
        """What finalizing would change: who advances, who is eliminated or disqualified, what blocks it."""
        preview = services.phase_finalize_preview(phase=self.get_object())
        return Response(
            {
                "phase": preview.phase.code,
                "can_finalize": preview.can_finalize,
                "problems": preview.problems,
                "advancing": preview.advancing,
                "eliminated_on_points": preview.eliminated_on_points,
                "disqualified_by_gate": preview.disqualified_by_gate,
                "not_ranked": [{"team": team, "missing": missing} for team, missing in preview.not_ranked],
                "next_phase": preview.next_phase.code if preview.next_phase else None,
                "table": preview.table.as_rows(),
            }
        )

    @extend_schema(request=None, responses={200: s.StandingsSnapshotSerializer, 409: TRANSITION_REFUSED})
    @action(detail=True, methods=["post"])
    def finalize(self, request, pk=None):
        """Make the outcome official: departures, allocation freezes, next phase's teams; read-only after."""
        snapshot = services.phase_finalize(phase=self.get_object(), actor=request.user)
        return Response(s.StandingsSnapshotSerializer(snapshot).data)

    def get_write_roles(self):
        # What-if computes without saving, so the read-everything roles may run it.
        return READERS if self.action == "what_if" else STAFF

    def get_read_roles(self):
        # The previews show the working (unpublished) table and every team's missing inputs.
        return (
            READERS if self.action in ("finalize_preview", "transition_preview", "readiness") else ALL_ROLES
        )

    @extend_schema(request=s.WhatIfInputSerializer, responses={200: WhatIfSerializer})
    @action(detail=True, methods=["post"], url_path="what-if")
    def what_if(self, request, pk=None):
        """Standings under other weights and/or cut count, with a sensitivity check; nothing is saved."""
        data = s.WhatIfInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.standings_what_if(
            phase=self.get_object(),
            weights=data.validated_data.get("weights"),
            cut_count=data.validated_data.get("cut_count"),
        )
        return Response(
            {
                "stable": result.stable,
                "changes": [{"team": t, "current": a, "what_if": b} for t, a, b in result.changes],
                "sensitivity": [
                    {
                        "removed": x.removed,
                        "changes": [{"team": t, "current": a, "without": b} for t, a, b in x.changes],
                    }
                    for x in result.sensitivity
                ],
                "current": result.current.as_rows(),
                "table": result.table.as_rows(),
            }
        )


class BenchmarkViewSet(viewsets.ReadOnlyModelViewSet):
    """Benchmarks with the frontier models' published reference scores."""

    serializer_class = s.BenchmarkSerializer
    filterset_class = BenchmarkFilterSet
    ordering_fields = ("code", "category")
    ordering = ("code",)
    write_roles = frozenset()

    def get_queryset(self):
        return Benchmark.objects.prefetch_related(
            Prefetch("reference_scores", queryset=ReferenceScore.objects.order_by("reference_model"))
        )


class ResultUploadViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Result files. Members upload for their own team while the phase is open (same validator as the
    browser); they see only their own team's uploads. Staff and auditors see all."""

    filterset_class = ResultUploadFilterSet
    pagination_class = LargeTableCursorPagination
    ordering_fields = ("uploaded_at", "id")
    parser_classes = (MultiPartParser, FormParser)
    read_roles = TEAM_READERS
    write_roles = MEMBERS

    def get_queryset(self):
        qs = result_upload_list_visible_to(user=self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related(Prefetch("rows", queryset=ResultRow.objects.select_related("benchmark")))
        return qs

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.ResultUploadDetailSerializer
        if self.action == "create":
            return s.ResultUploadInputSerializer
        return s.ResultUploadSerializer

    @extend_schema(request=s.ResultUploadInputSerializer, responses={201: s.ResultUploadDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ResultUploadInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = services.result_upload_create(actor=request.user, **data.validated_data)
        # Read it back the way retrieve does: rows with their benchmarks in one prefetch, not one query a row.
        upload = (
            self.get_queryset()
            .prefetch_related(Prefetch("rows", queryset=ResultRow.objects.select_related("benchmark")))
            .get(pk=upload.pk)
        )
        return Response(s.ResultUploadDetailSerializer(upload).data, status=status.HTTP_201_CREATED)


class EvaluatorAssignmentViewSet(
    mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Who evaluates which team. Staff assign (conflicts of interest are refused with the reason);
    evaluators see only their own assignments."""

    filterset_class = EvaluatorAssignmentFilterSet
    ordering_fields = ("assigned_at", "id")
    read_roles = SCORING_READERS
    write_roles = STAFF

    def get_queryset(self):
        return assignment_list_visible_to(user=self.request.user)

    def get_serializer_class(self):
        return (
            s.EvaluatorAssignInputSerializer if self.action == "create" else s.EvaluatorAssignmentSerializer
        )

    @extend_schema(request=s.EvaluatorAssignInputSerializer, responses={201: s.EvaluatorAssignmentSerializer})
    def create(self, request, *args, **kwargs):
        data = s.EvaluatorAssignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.evaluator_assign(actor=request.user, **data.validated_data)
        return Response(s.EvaluatorAssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.evaluator_unassign(assignment=instance, actor=self.request.user)


class ScoreSheetViewSet(mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Score sheets. The assigned evaluator saves drafts and submits with PUT/PATCH, naming the version
    the edit is based on; a stale version gets 409 with the current version in the message."""

    serializer_class = s.ScoreSheetSerializer
    filterset_class = ScoreSheetFilterSet
    ordering_fields = ("updated_at", "id")
    read_roles = SCORING_READERS
    write_roles = EVALUATORS

    def get_queryset(self):
        return score_sheet_list_visible_to(user=self.request.user)

    @extend_schema(request=s.ScoreSheetInputSerializer, responses={200: s.ScoreSheetSerializer})
    def update(self, request, *args, **kwargs):
        sheet = self.get_object()
        data = s.ScoreSheetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        saved = services.score_sheet_save(
            sheet=sheet,
            actor=request.user,
            expected_version=data.validated_data["version"],
            scores=[
                ScoreInput(criterion_id=x["criterion"], points=x["points"], comment=x["comment"])
                for x in data.validated_data["scores"]
            ],
            submit=data.validated_data["submit"],
        )
        return Response(s.ScoreSheetSerializer(self.get_queryset().get(pk=saved.pk)).data)

    @extend_schema(request=s.ScoreSheetInputSerializer, responses={200: s.ScoreSheetSerializer})
    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)


class GateResultViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Gate decisions (e.g. originality) with evidence and a written reason. Staff decide."""

    serializer_class = s.GateResultSerializer
    ordering_fields = ("decided_at", "id")
    read_roles = READERS
    write_roles = STAFF

    def get_queryset(self):
        qs = (
            GateResult.objects.visible_to(self.request.user)
            .select_related("gate__phase", "consortium", "decided_by")
            .order_by("id")
        )
        phase = self.request.query_params.get("phase")
        return qs.filter(gate__phase__code=phase) if phase else qs

    @extend_schema(request=s.GateResultInputSerializer, responses={201: s.GateResultSerializer})
    def create(self, request, *args, **kwargs):
        data = s.GateResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.gate_result_record(
            gate=v["gate"],
            consortium=v["consortium"],
            passed=v["passed"],
            reason=v["reason"],
            evidence=v["evidence"],
            actor=request.user,
        )
        return Response(s.GateResultSerializer(result).data, status=status.HTTP_201_CREATED)


class PanelResultViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Aggregated panel results (e.g. the professional-user panel). Staff enter them."""

    serializer_class = s.PanelResultSerializer
    ordering_fields = ("entered_at", "id")
    read_roles = READERS
    write_roles = STAFF

    def get_queryset(self):
        qs = (
            PanelResult.objects.visible_to(self.request.user)
            .select_related("phase", "consortium", "component", "criterion")
            .order_by("id")
        )
        phase = self.request.query_params.get("phase")
        return qs.filter(phase__code=phase) if phase else qs

    @extend_schema(request=s.PanelResultInputSerializer, responses={201: s.PanelResultSerializer})
    def create(self, request, *args, **kwargs):
        data = s.PanelResultInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        result = services.panel_result_record(
            phase=v["phase"],
            consortium=v["consortium"],
            component=v["component"],
            criterion=v["criterion"],
            points=v["points"],
            panel_size=v["panel_size"],
            note=v["note"],
            actor=request.user,
        )
        return Response(s.PanelResultSerializer(result).data, status=status.HTTP_201_CREATED)


class StandingsViewSet(viewsets.ReadOnlyModelViewSet):
    """The latest standings snapshot of each phase (with freshness: is_stale while a recompute is pending)."""

    serializer_class = s.StandingsSnapshotSerializer
    filterset_class = StandingsSnapshotFilterSet
    read_roles = ALL_ROLES
    write_roles = frozenset()
    ordering = ("phase__order",)

    def get_queryset(self):
        return standings_tables_visible_to(user=self.request.user)


class StandingsSnapshotViewSet(viewsets.ReadOnlyModelViewSet):
    """Every standings snapshot ever computed (history), newest first."""

    serializer_class = s.StandingsSnapshotHistorySerializer
    filterset_class = StandingsSnapshotFilterSet
    pagination_class = LargeTableCursorPagination
    read_roles = ALL_ROLES
    write_roles = frozenset()

    def get_queryset(self):
        return standings_snapshots_visible_to(user=self.request.user)
