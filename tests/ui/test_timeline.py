"""timeline_build: who was in or out at each phase. Plain dataclasses, no database."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from portal.timeline import TimelineStatus, timeline_build

D = dt.date


@dataclass(frozen=True)
class P:
    id: int
    order: int
    status: str
    development_start: dt.date | None = None
    showcase_on: dt.date | None = None
    evaluation_start: dt.date | None = None
    result_on: dt.date | None = None


@dataclass(frozen=True)
class T:
    id: int
    code: str
    joined_on: dt.date
    left_on: dt.date | None = None
    left_in_phase_id: int | None = None


# The shape of the real program: a selection, phase 1 (two cut), a wildcard call, phase 2 open, a final.
SELECTION = P(1, 0, "finalized", development_start=D(2025, 6, 20), result_on=D(2025, 8, 4))
PHASE1 = P(2, 1, "finalized", D(2025, 8, 4), D(2025, 12, 30), D(2026, 1, 5), D(2026, 1, 15))
WILDCARD = P(3, 2, "finalized", D(2026, 1, 23), None, D(2026, 2, 12), D(2026, 2, 20))
PHASE2 = P(4, 3, "open", D(2026, 1, 15), None, D(2026, 8, 3), D(2026, 8, 14))
FINAL = P(5, 4, "draft", result_on=D(2026, 12, 15))
TEAMS = [
    T(10, "LG", D(2025, 8, 4)),
    T(11, "SKT", D(2025, 8, 4)),
    T(12, "NAVER", D(2025, 8, 4), D(2026, 1, 15), PHASE1.id),
    T(13, "NCAI", D(2025, 8, 4), D(2026, 1, 15), PHASE1.id),
    T(14, "MOTIF", D(2026, 2, 20)),
]


def _rows(entry):
    return [(row.team.code, row.status) for row in entry.teams]


def test_timeline_follows_phase_order_and_marks_the_open_phase_current():
    entries = timeline_build([FINAL, PHASE2, SELECTION, WILDCARD, PHASE1], TEAMS)
    assert [e.phase.id for e in entries] == [1, 2, 3, 4, 5]
    assert [e.is_current for e in entries] == [False, False, False, True, False]


def test_timeline_selection_and_wildcard_list_the_teams_they_admitted():
    selection, _p1, wildcard, _p2, _final = timeline_build(
        [SELECTION, PHASE1, WILDCARD, PHASE2, FINAL], TEAMS
    )
    assert selection.is_admission and wildcard.is_admission
    assert _rows(selection) == [(code, TimelineStatus.SELECTED) for code in ("LG", "SKT", "NAVER", "NCAI")]
    assert _rows(wildcard) == [("MOTIF", TimelineStatus.SELECTED)]


def test_timeline_phase1_shows_who_advanced_and_who_was_cut():
    entries = timeline_build([SELECTION, PHASE1, WILDCARD, PHASE2, FINAL], TEAMS)
    assert _rows(entries[1]) == [
        ("LG", TimelineStatus.ADVANCED),
        ("SKT", TimelineStatus.ADVANCED),
        ("NAVER", TimelineStatus.LEFT),
        ("NCAI", TimelineStatus.LEFT),
    ]


def test_timeline_open_phase_lists_remaining_teams_including_the_wildcard_as_competing():
    entries = timeline_build([SELECTION, PHASE1, WILDCARD, PHASE2, FINAL], TEAMS)
    assert _rows(entries[3]) == [
        ("LG", TimelineStatus.COMPETING),
        ("SKT", TimelineStatus.COMPETING),
        ("MOTIF", TimelineStatus.COMPETING),
    ]


def test_timeline_draft_phase_lists_nobody():
    entries = timeline_build([SELECTION, PHASE1, WILDCARD, PHASE2, FINAL], TEAMS)
    assert entries[4].teams == [] and not entries[4].known


def test_timeline_withdrawal_without_phase_counts_in_the_phase_it_happened_in():
    withdrew = T(20, "QUIT", D(2025, 8, 4), left_on=D(2026, 1, 10))
    entries = timeline_build([PHASE1, PHASE2], [withdrew])
    assert _rows(entries[0]) == [("QUIT", TimelineStatus.LEFT)]
    assert entries[1].teams == []


def test_timeline_team_that_left_before_a_phase_is_not_in_it():
    early = T(21, "EARLY", D(2025, 8, 4), left_on=D(2025, 9, 1))
    assert timeline_build([PHASE1], [early])[0].teams == []


def test_timeline_without_open_phase_makes_first_draft_current_and_handles_no_dates():
    undated = P(9, 7, "open")
    entries = timeline_build([SELECTION, FINAL], TEAMS)
    assert [e.is_current for e in entries] == [False, True]
    assert timeline_build([undated], TEAMS)[0].teams == []
    assert timeline_build([], TEAMS) == []
