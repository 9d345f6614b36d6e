"""Reads that only the browser pages need: the program timeline for the dashboard and the consortium
list/detail shapes (counts, grouped partners, history).

Visibility: the registry and the timeline are public program data for every portal role, as in the API
(common.api.permissions.RolePermission with the default read roles); pages check that before calling here.
Each function runs a fixed number of queries, whatever the number of teams, partners or phases.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from consortia.models import Consortium, FoundationModel, Organization, Partnership, Program
from evaluations.models import Phase

# --- Timeline: pure part (no database) -------------------------------------------------------------


class PhaseLike(Protocol):
    id: int
    order: int
    status: str
    development_start: dt.date | None
    showcase_on: dt.date | None
    evaluation_start: dt.date | None
    result_on: dt.date | None


class TeamLike(Protocol):
    id: int
    code: str
    joined_on: dt.date
    left_on: dt.date | None
    left_in_phase_id: int | None


class Outcome(StrEnum):
    SELECTED = "selected"  # the phase admitted the team (it joined the program on the phase's result day)
    COMPETING = "competing"  # in the phase, result not final yet
    ADVANCED = "advanced"  # came through a finalized phase
    LEFT = "left"  # eliminated by, or withdrew during, the phase


@dataclass(frozen=True)
class TimelineTeam:
    team: TeamLike
    outcome: Outcome


@dataclass(frozen=True)
class TimelineEntry:
    phase: PhaseLike
    is_current: bool
    # True when the phase admitted new teams (selection or wildcard call) rather than evaluating teams in it.
    is_admission: bool
    teams: list[TimelineTeam] = field(default_factory=list)

    @property
    def known(self) -> bool:
        """Whether the portal can say which teams were in (not for future phases)."""
        return bool(self.teams)


def _reference_date(phase: PhaseLike) -> dt.date | None:
    """The day that decides who sits a phase: its evaluation start, else its result day."""
    return phase.evaluation_start or phase.result_on or phase.showcase_on or phase.development_start


def timeline_build(phases: Sequence[PhaseLike], teams: Sequence[TeamLike]) -> list[TimelineEntry]:
    """Which teams were in or out at each phase, from the teams' joined_on / left_on / left_in_phase.

    - A phase whose result day is a team's joined_on admitted that team (the 2025 selection, the wildcard
      call); such a phase lists only the teams it admitted.
    - Any other phase that has started (not draft) lists the teams that had joined before its reference day
      (evaluation start, else result day) and had not left before it; a team whose left_in_phase is the
      phase, or which left between the reference day and the result day, is marked as having left there.
    - Draft phases list nobody: who will sit them is not known yet.
    The current phase is the first (by order) that is open or evaluating, else the first draft one.
    """
    ordered = sorted(phases, key=lambda p: p.order)
    current = next((p for p in ordered if p.status in ("open", "evaluating")), None) or next(
        (p for p in ordered if p.status == "draft"), None
    )
    entries = []
    for phase in ordered:
        admitted = [t for t in teams if phase.result_on is not None and t.joined_on == phase.result_on]
        if admitted:
            rows = [TimelineTeam(team=t, outcome=Outcome.SELECTED) for t in admitted]
            entries.append(
                TimelineEntry(phase=phase, is_current=phase is current, is_admission=True, teams=rows)
            )
            continue
        reference = _reference_date(phase)
        rows = []
        if phase.status != "draft" and reference is not None:
            for team in teams:
                left_here = team.left_in_phase_id == phase.id or (
                    team.left_in_phase_id is None
                    and team.left_on is not None
                    and team.left_on > reference
                    and phase.result_on is not None
                    and team.left_on <= phase.result_on
                )
                if team.joined_on >= reference:
                    continue
                if not left_here and team.left_on is not None and team.left_on <= reference:
                    continue
                if left_here:
                    outcome = Outcome.LEFT
                elif phase.status == "finalized":
                    outcome = Outcome.ADVANCED
                else:
                    outcome = Outcome.COMPETING
                rows.append(TimelineTeam(team=team, outcome=outcome))
        entries.append(
            TimelineEntry(phase=phase, is_current=phase is current, is_admission=False, teams=rows)
        )
    return entries


# --- Database reads ---------------------------------------------------------------------------------


def program_current() -> Program | None:
    """The program the portal shows (there is one; the earliest if a second is ever loaded)."""
    return Program.objects.order_by("start_date", "pk").first()


def program_timeline(*, program: Program) -> list[TimelineEntry]:
    """Two queries: the program's phases and its consortia."""
    phases = list(Phase.objects.filter(program=program).order_by("order"))
    teams = list(
        Consortium.objects.filter(program=program).select_related("lead").order_by("joined_on", "code")
    )
    return timeline_build(phases, teams)


def _count_of(model, **filters) -> Coalesce:
    """A per-consortium row count as a subquery, so several counts don't multiply each other's joins."""
    counted = (
        model.objects.filter(consortium=OuterRef("pk"), **filters)
        .order_by()
        .values("consortium")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def consortium_list_for_ui(*, program: Program | None = None) -> QuerySet[Consortium]:
    """Consortia with lead, departure phase, partner and model counts: one query for any number of teams."""
    qs = Consortium.objects.select_related("lead", "left_in_phase").annotate(
        partner_count=_count_of(Partnership, role=Partnership.Role.PARTNER),
        model_count=_count_of(FoundationModel),
    )
    if program is not None:
        qs = qs.filter(program=program)
    return qs.order_by("status", "joined_on", "code")


@dataclass(frozen=True)
class PartnerGroup:
    kind: str
    label: str
    partnerships: list[Partnership]


@dataclass(frozen=True)
class HistoryEvent:
    on: dt.date
    kind: str  # "team_joined", "partner_joined", "partner_left", "team_left"
    partnership: Partnership | None = None


@dataclass
class ConsortiumDetail:
    consortium: Consortium
    lead_partnerships: list[Partnership]
    partner_groups: list[PartnerGroup]
    models: list[FoundationModel]
    history: list[HistoryEvent]


def consortium_detail_for_ui(*, consortium_id: int) -> ConsortiumDetail:
    """Three queries. Raises Consortium.DoesNotExist for an unknown id."""
    consortium = (
        Consortium.objects.select_related("lead", "program", "left_in_phase")
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("organization").order_by("organization__name_en"),
            ),
            Prefetch(
                "models", queryset=FoundationModel.objects.order_by("is_planned", "released_on", "name")
            ),
        )
        .get(pk=consortium_id)
    )
    partnerships = list(consortium.partnerships.all())
    leads = [p for p in partnerships if p.role == Partnership.Role.LEAD]
    groups = []
    for kind, label in Organization.Kind.choices:
        members = [p for p in partnerships if p.role != Partnership.Role.LEAD and p.organization.kind == kind]
        if members:
            groups.append(PartnerGroup(kind=kind, label=label, partnerships=members))
    history = [HistoryEvent(on=consortium.joined_on, kind="team_joined")]
    for p in partnerships:
        if p.role != Partnership.Role.LEAD and p.joined_on != consortium.joined_on:
            history.append(HistoryEvent(on=p.joined_on, kind="partner_joined", partnership=p))
        if p.left_on is not None:
            history.append(HistoryEvent(on=p.left_on, kind="partner_left", partnership=p))
    if consortium.left_on is not None:
        history.append(HistoryEvent(on=consortium.left_on, kind="team_left"))
    order = {"team_joined": 0, "partner_joined": 1, "partner_left": 2, "team_left": 3}
    history.sort(
        key=lambda e: (e.on, order[e.kind], e.partnership.organization.name_en if e.partnership else "")
    )
    return ConsortiumDetail(
        consortium=consortium,
        lead_partnerships=leads,
        partner_groups=groups,
        models=list(consortium.models.all()),
        history=history,
    )
