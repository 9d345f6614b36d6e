"""Deadlines as the portal enforces and shows them. Moments are stored in UTC and shown in KST with the zone
named; the D-day count is in calendar days of KST. No database and no clock: the current time is an
argument, so the boundary can be tested exactly.

The boundary rule, used by every check: a deadline is passed from the deadline itself on (``now >=
deadline``). A write at deadline - 1 s is in time; a write at the deadline is late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# The programme runs in Korea: every deadline is set and shown in Korea Standard Time (UTC+9, no DST).
KST = ZoneInfo("Asia/Seoul")


@dataclass(frozen=True, slots=True)
class TeamDeadline:
    """The results-submission deadline that applies to one team: the phase's, or the team's extension
    when that is later (``extended``)."""

    at: dt.datetime
    extended: bool = False


def kst_text(moment: dt.datetime) -> str:
    """``2026-12-31 18:00 KST`` (seconds only when the deadline has them)."""
    local = moment.astimezone(KST)
    return f"{local:%Y-%m-%d %H:%M:%S} KST" if local.second else f"{local:%Y-%m-%d %H:%M} KST"


def kst_iso(moment: dt.datetime) -> str:
    """ISO 8601 with the +09:00 offset, for ``<time datetime=...>``."""
    return moment.astimezone(KST).isoformat()


def has_passed(deadline: dt.datetime | None, *, now: dt.datetime) -> bool:
    """Whether a write at ``now`` is late. No deadline (None) never passes."""
    return deadline is not None and now >= deadline


def days_left(deadline: dt.datetime, *, now: dt.datetime) -> int | None:
    """Calendar days in KST from ``now``'s date to the deadline's date: 0 on the deadline's own day (D-day),
    None once the deadline has passed. At 00:30 KST on the 31st a deadline at 18:00 KST that day is 0 days
    away, although the UTC date is still the 30th."""
    if has_passed(deadline, now=now):
        return None
    return (deadline.astimezone(KST).date() - now.astimezone(KST).date()).days


def phase_opens_at(development_start: dt.date | None) -> dt.datetime | None:
    """The moment a phase opens for deadlines: 00:00 KST on its development start (None when it has none)."""
    if development_start is None:
        return None
    return dt.datetime.combine(development_start, dt.time(0), tzinfo=KST)


def team_deadline(
    phase_deadline: dt.datetime | None, extension_deadline: dt.datetime | None
) -> TeamDeadline | None:
    """The deadline a team's uploads face. A phase without a submission deadline has none, whatever
    extension was granted; an extension counts only while it is later than the phase's deadline (staff may
    have moved the phase's deadline past it since)."""
    if phase_deadline is None:
        return None
    if extension_deadline is not None and extension_deadline > phase_deadline:
        return TeamDeadline(extension_deadline, extended=True)
    return TeamDeadline(phase_deadline)
