"""Reads that only the browser pages of evaluations need (the shapes of the phase page, the assignment form
and the upload history). Visibility is the callers' (views check the permissions predicates first) or is
inherited from the ``*_visible_to`` selectors used here. Each function runs a fixed number of queries,
whatever the number of phases, teams, criteria or uploads (``assignment_conflicts`` asks for every
(evaluator organization, team) pair in one query)."""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from budget.models import GpuUsageEntry, GpuUsageReport
from budget.selectors import gpu_usage_report_list_visible_to
from common.roles import Role
from consortia.models import Affiliation, Consortium
from consortia.selectors import organization_conflicts_among
from evaluations import standings as pure
from evaluations.models import (
    Benchmark,
    BenchmarkGroup,
    GateResult,
    PanelResult,
    Phase,
    PhaseBenchmark,
    PhaseParticipant,
    ReferenceScore,
    ResultUpload,
    RubricComponent,
    RubricCriterion,
    RubricGate,
    TargetModel,
)
from evaluations.selectors import result_upload_list_visible_to


@dataclass(frozen=True)
class PhaseDetail:
    phase: Phase
    components: list[RubricComponent]
    gates: list[RubricGate]
    benchmark_groups: list[tuple[str, list[PhaseBenchmark]]]
    participants: list[PhaseParticipant]

    @property
    def team_names(self) -> dict[str, str]:
        return {p.consortium.code: p.consortium.name for p in self.participants}


def phase_detail_for_ui(*, phase_id: int) -> PhaseDetail:
    """Raises Phase.DoesNotExist. Five queries."""
    phase = Phase.objects.select_related("program", "finalized_by").get(pk=phase_id)
    components = list(
        RubricComponent.objects.filter(phase=phase)
        .prefetch_related(Prefetch("criteria", queryset=RubricCriterion.objects.order_by("order", "key")))
        .order_by("order", "key")
    )
    gates = list(RubricGate.objects.filter(phase=phase).order_by("key"))
    grouped: OrderedDict[str, list[PhaseBenchmark]] = OrderedDict()
    labels = dict(BenchmarkGroup.choices)
    for entry in (
        PhaseBenchmark.objects.filter(phase=phase)
        .select_related("benchmark", "consortium")
        .order_by("group", "consortium__code", "benchmark__code")
    ):
        grouped.setdefault(str(labels.get(entry.group, entry.group)), []).append(entry)
    participants = list(
        PhaseParticipant.objects.filter(phase=phase).select_related("consortium").order_by("consortium__code")
    )
    return PhaseDetail(phase, components, gates, list(grouped.items()), participants)


def evaluator_criteria(*, phase: Phase) -> list[RubricCriterion]:
    """The criteria evaluators score in ``phase``, in rubric order."""
    return list(
        RubricCriterion.objects.filter(component__phase=phase, component__source=pure.Source.EVALUATORS)
        .select_related("component")
        .order_by("component__order", "order", "key")
    )


def panel_components(*, phase: Phase) -> QuerySet[RubricComponent]:
    return RubricComponent.objects.filter(phase=phase, source=pure.Source.PANEL).order_by("order")


def participant_teams(*, phase: Phase) -> QuerySet[Consortium]:
    return Consortium.objects.filter(phase_entries__phase=phase).order_by("code")


def evaluator_users() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(groups__name=Role.EVALUATOR.value, is_active=True)
        # Shown by name and organisation (consortia.accounts.names.person_label), so sorted by name.
        .select_related("affiliation__organization")
        .order_by("last_name", "first_name", "username")
        .distinct()
    )


@dataclass(frozen=True)
class ConflictCell:
    consortium: Consortium
    conflict: str  # empty when there is none
    # Set when the organisation has left the team: a former partner still conflicts (organization_conflicts).
    left_on: dt.date | None = None


@dataclass(frozen=True)
class EvaluatorRow:
    user: object
    organization: str
    cells: list[ConflictCell]
    unaffiliated: bool


def assignment_conflicts(*, evaluators: list, teams: list[Consortium]) -> list[EvaluatorRow]:
    """For each evaluator, their organization and, per team, the partnership that conflicts them (if any)."""
    affiliations = {
        a.user_id: a for a in Affiliation.objects.filter(user__in=evaluators).select_related("organization")
    }
    conflicts = organization_conflicts_among(
        organization_ids=sorted({a.organization_id for a in affiliations.values()}),
        consortium_ids=[t.pk for t in teams],
    )
    rows = []
    for user in evaluators:
        affiliation = affiliations.get(user.pk)
        cells = []
        for team in teams:
            found = conflicts.get((affiliation.organization_id, team.pk)) if affiliation is not None else None
            if found is None:
                cells.append(ConflictCell(team, ""))
            else:
                cells.append(ConflictCell(team, found.get_role_display(), found.left_on))
        rows.append(
            EvaluatorRow(
                user=user,
                organization=str(affiliation.organization) if affiliation else "",
                cells=cells,
                unaffiliated=affiliation is None,
            )
        )
    return rows


def open_phases_for_team(*, consortium_id: int | None) -> QuerySet[Phase]:
    """Open phases the team takes part in (where it may upload results)."""
    if consortium_id is None:
        return Phase.objects.none()
    return Phase.objects.filter(status=Phase.Status.OPEN, participants__consortium_id=consortium_id).order_by(
        "order"
    )


def result_upload_history(*, user) -> QuerySet[ResultUpload]:
    return result_upload_list_visible_to(user=user).order_by("-uploaded_at", "-id")


def gpu_report_history(*, user) -> QuerySet[GpuUsageReport]:
    """A report is current while at least one of its rows has not been superseded by a later upload."""
    return gpu_usage_report_list_visible_to(user=user).annotate(
        has_current=Exists(GpuUsageEntry.objects.filter(report=OuterRef("pk"), is_current=True))
    )


def gate_results_for(*, phase: Phase) -> QuerySet[GateResult]:
    return (
        GateResult.objects.filter(gate__phase=phase)
        .select_related("gate", "consortium", "decided_by")
        .order_by("gate__key", "consortium__code")
    )


def panel_results_for(*, phase: Phase) -> QuerySet[PanelResult]:
    return (
        PanelResult.objects.filter(phase=phase)
        .select_related("consortium", "component", "criterion", "entered_by")
        .order_by("consortium__code", "component__order")
    )


@dataclass(frozen=True)
class TargetRow:
    """A participant's declared target model and that model's reference score on each benchmark the team
    is measured on in the phase (None where no score is recorded)."""

    consortium: Consortium
    reference_model: str
    scores: list[tuple[Benchmark, Decimal | None]]


def phase_setup_targets(*, phase: Phase, participants: list[PhaseParticipant]) -> list[TargetRow]:
    """One row per participant. Three queries, whatever the number of teams and benchmarks."""
    targets = dict(TargetModel.objects.filter(phase=phase).values_list("consortium_id", "reference_model"))
    entries = list(
        PhaseBenchmark.objects.filter(phase=phase).select_related("benchmark").order_by("benchmark__code")
    )
    scores = {
        (benchmark_id, model): score
        for benchmark_id, model, score in ReferenceScore.objects.filter(
            benchmark_id__in={e.benchmark_id for e in entries}, reference_model__in=set(targets.values())
        ).values_list("benchmark_id", "reference_model", "score")
    }
    rows = []
    for participant in participants:
        team_id = participant.consortium_id
        model = targets.get(team_id, "")
        own = [e.benchmark for e in entries if e.consortium_id in (None, team_id)]
        rows.append(
            TargetRow(
                consortium=participant.consortium,
                reference_model=model,
                scores=[(b, scores.get((b.pk, model))) for b in own],
            )
        )
    return rows


def teams_addable(*, phase: Phase) -> QuerySet[Consortium]:
    """The program's active teams not yet in ``phase`` (the only ones the participant form offers)."""
    return (
        Consortium.objects.filter(program_id=phase.program_id, status=Consortium.Status.ACTIVE)
        .exclude(phase_entries__phase=phase)
        .order_by("code")
    )
