"""The program timeline of the dashboard: which teams were in or out at each phase.

It reads consortia and evaluations phases together, so it lives here, above both. The pure part
(``timeline_build``) takes any objects with the fields it needs and touches no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from consortia.models import Consortium, Program
from evaluations.models import Phase


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


class TimelineStatus(StrEnum):
    """Where a team stood at one phase of the timeline, read from its joining and leaving dates (unlike
    the standings' Outcome, which the phase's table decides)."""

    SELECTED = "selected"  # the phase admitted the team (it joined the program on the phase's result day)
    COMPETING = "competing"  # in the phase, result not final yet
    ADVANCED = "advanced"  # came through a finalized phase
    LEFT = "left"  # eliminated by, or withdrew during, the phase


@dataclass(frozen=True)
class TimelineTeam:
    team: TeamLike
    status: TimelineStatus


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
            rows = [TimelineTeam(team=t, status=TimelineStatus.SELECTED) for t in admitted]
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
                    status = TimelineStatus.LEFT
                elif phase.status == "finalized":
                    status = TimelineStatus.ADVANCED
                else:
                    status = TimelineStatus.COMPETING
                rows.append(TimelineTeam(team=team, status=status))
        entries.append(
            TimelineEntry(phase=phase, is_current=phase is current, is_admission=False, teams=rows)
        )
    return entries


def program_timeline(*, program: Program) -> list[TimelineEntry]:
    """Two queries: the program's phases and its consortia."""
    phases = list(Phase.objects.filter(program=program).order_by("order"))
    teams = list(
        Consortium.objects.filter(program=program).select_related("lead").order_by("joined_on", "code")
    )
    return timeline_build(phases, teams)
