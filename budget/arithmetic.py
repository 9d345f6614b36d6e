"""Budget arithmetic: whole-won money, half-year periods, GPU-days and freeze terms.

Pure on purpose (no Django, no ORM): the rules can be read and tested on their own, and the services,
the loader and the upload checks all use the same ones.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

HOURS_PER_DAY = 24
# PostgreSQL bigint: larger amounts would overflow the column, so they are refused as input.
MAX_KRW = 2**63 - 1

_HALF_YEAR = re.compile(r"^(\d{4})H([12])$")


def krw(amount: int) -> str:
    """₩ with thousands separators, the way amounts are quoted in messages (₩5,000,000,000)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}₩{abs(amount):,}"


def half_year_period(label: str) -> tuple[dt.date, dt.date]:
    """'2025H2' -> (2025-07-01, 2025-12-31); raises ValueError for anything else."""
    match = _HALF_YEAR.match(label)
    if not match:
        raise ValueError(f"expected a half-year like 2025H2, got {label!r}")
    year, half = int(match.group(1)), int(match.group(2))
    if half == 1:
        return dt.date(year, 1, 1), dt.date(year, 6, 30)
    return dt.date(year, 7, 1), dt.date(year, 12, 31)


def days_inclusive(start: dt.date, end: dt.date) -> int:
    """Days from start to end, both included; zero when the end is before the start."""
    return max((end - start).days + 1, 0)


def gpu_hours(count: int, start: dt.date, end: dt.date) -> int:
    return count * HOURS_PER_DAY * days_inclusive(start, end)


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    last = calendar.monthrange(month.year, month.month)[1]
    return month.replace(day=1), month.replace(day=last)


def gpu_hours_in_month(count: int, start: dt.date, end: dt.date, month: dt.date) -> int:
    """GPU-hours an allocation of ``count`` GPUs over [start, end] can deliver within ``month``."""
    first, last = month_bounds(month)
    return gpu_hours(count, max(start, first), min(end, last))


def illustrative_gpu_amount(count: int, start: dt.date, end: dt.date, rate_per_gpu_day: int) -> int:
    """An illustrative KRW value for a GPU allocation whose price is not published: GPU-days × a rate."""
    return count * days_inclusive(start, end) * rate_per_gpu_day


@dataclass(frozen=True, slots=True)
class FreezeTerms:
    period_end: dt.date
    released_krw: int
    retained_krw: int


def freeze_terms(
    *,
    amount_krw: int,
    period_start: dt.date,
    period_end: dt.date,
    planned_period_end: dt.date,
    effective_on: dt.date,
    spent_krw: int,
    is_gpu: bool,
) -> FreezeTerms:
    """What an allocation keeps and releases when its team is eliminated as of ``effective_on``.

    ``effective_on`` is the last day of support. GPU support stops that day: the period is cut to it (to
    zero days if it had not started), and the team keeps the GPU-days already used, pro rata of the planned
    period (rounded down, in whole won), or what it has already spent if that is more. Other support keeps
    what was spent (data already provided stays provided); the rest goes back to the line.
    """
    if spent_krw < 0 or spent_krw > amount_krw:
        raise ValueError("spent amount must be between zero and the allocation")
    new_end = period_end
    retained = spent_krw
    if is_gpu:
        new_end = min(period_end, effective_on)
        if new_end < period_start:
            new_end = period_start - dt.timedelta(days=1)
        planned_days = days_inclusive(period_start, planned_period_end)
        used_share = amount_krw * days_inclusive(period_start, new_end) // planned_days
        retained = max(retained, used_share)
    return FreezeTerms(period_end=new_end, released_krw=amount_krw - retained, retained_krw=retained)
