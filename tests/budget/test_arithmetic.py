"""The pure budget arithmetic: no database."""

from __future__ import annotations

import datetime as dt

import pytest

from budget.arithmetic import (
    days_inclusive,
    freeze_terms,
    gpu_hours,
    gpu_hours_in_month,
    half_year_period,
    illustrative_gpu_amount,
    krw,
)

D = dt.date


def test_krw_formats_with_thousands_separators():
    assert krw(5_000_000_000) == "₩5,000,000,000"
    assert krw(0) == "₩0"
    assert krw(-1234) == "-₩1,234"


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2025H2", (D(2025, 7, 1), D(2025, 12, 31))),
        ("2026H1", (D(2026, 1, 1), D(2026, 6, 30))),
    ],
)
def test_half_year_period(label, expected):
    assert half_year_period(label) == expected


@pytest.mark.parametrize("label", ["2025H3", "2025-H1", "25H1", "", "2025h1"])
def test_half_year_period_refuses_other_labels(label):
    with pytest.raises(ValueError, match="expected a half-year like 2025H2"):
        half_year_period(label)


def test_days_and_gpu_hours():
    assert days_inclusive(D(2025, 7, 1), D(2025, 12, 31)) == 184
    assert days_inclusive(D(2026, 1, 1), D(2025, 12, 31)) == 0
    assert gpu_hours(512, D(2026, 1, 1), D(2026, 6, 30)) == 512 * 24 * 181


def test_gpu_hours_in_month_counts_only_the_overlap():
    # Allocation from Jan 20 to Mar 10: 12 days of January, all of February (28), 10 days of March.
    start, end = D(2026, 1, 20), D(2026, 3, 10)
    assert [gpu_hours_in_month(10, start, end, D(2026, m, 1)) for m in (1, 2, 3, 4)] == [
        10 * 24 * 12,
        10 * 24 * 28,
        10 * 24 * 10,
        0,
    ]


def test_illustrative_gpu_amount_is_gpu_days_times_rate():
    assert illustrative_gpu_amount(480, D(2025, 7, 1), D(2025, 12, 31), 200_000) == 480 * 184 * 200_000


def _terms(**overrides):
    values = dict(
        amount_krw=181_000,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 6, 30),
        planned_period_end=D(2026, 6, 30),
        effective_on=D(2026, 1, 15),
        spent_krw=0,
        is_gpu=True,
    )
    values.update(overrides)
    return freeze_terms(**values)


def test_freeze_gpu_keeps_the_days_used_pro_rata():
    terms = _terms()
    assert terms.period_end == D(2026, 1, 15)
    assert (terms.retained_krw, terms.released_krw) == (15_000, 166_000)


def test_freeze_gpu_keeps_spending_when_it_is_more_than_the_days_used():
    assert _terms(spent_krw=50_000).released_krw == 131_000


def test_freeze_gpu_not_started_is_cut_to_zero_days_and_fully_released():
    terms = _terms(period_start=D(2026, 7, 1), period_end=D(2026, 12, 31), planned_period_end=D(2026, 12, 31))
    assert terms.period_end == D(2026, 6, 30)
    assert days_inclusive(D(2026, 7, 1), terms.period_end) == 0
    assert (terms.retained_krw, terms.released_krw) == (0, 181_000)


def test_freeze_gpu_that_ended_before_keeps_everything():
    terms = _terms(period_start=D(2025, 7, 1), period_end=D(2025, 12, 31), planned_period_end=D(2025, 12, 31))
    assert (terms.period_end, terms.released_krw) == (D(2025, 12, 31), 0)


def test_freeze_other_categories_keep_what_was_spent():
    terms = _terms(is_gpu=False, spent_krw=70_000)
    assert terms.period_end == D(2026, 6, 30)
    assert (terms.retained_krw, terms.released_krw) == (70_000, 111_000)


def test_freeze_rounds_the_kept_share_down_to_whole_won():
    # 1,000 won over 3 days, frozen after 1 day: keeps 333, releases 667 (no fractions of a won anywhere).
    terms = _terms(
        amount_krw=1000,
        period_start=D(2026, 1, 1),
        period_end=D(2026, 1, 3),
        planned_period_end=D(2026, 1, 3),
        effective_on=D(2026, 1, 1),
    )
    assert (terms.retained_krw, terms.released_krw) == (333, 667)


def test_freeze_refuses_impossible_spending():
    with pytest.raises(ValueError):
        _terms(spent_krw=181_001)
