"""kai_format filters in both languages. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from common.templatetags.kai_format import krw, krw_short, params, pct


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1234567890, "₩1,234,567,890"),
        (0, "₩0"),
        (999, "₩999"),
        (-4830000000, "-₩4,830,000,000"),
        ("157600000000", "₩157,600,000,000"),
        (Decimal("1000"), "₩1,000"),
        (None, "—"),
        ("", "—"),
        ("not a number", "—"),
    ],
)
def test_krw_groups_thousands_in_whole_won(value, expected):
    assert krw(value) == expected


def test_krw_is_the_same_in_both_languages():
    with translation.override("ko"):
        korean = krw(157600000000)
    with translation.override("en"):
        english = krw(157600000000)
    assert korean == english == "₩157,600,000,000"


@pytest.mark.parametrize(
    ("value", "korean", "english"),
    [
        (157_600_000_000, "1,576억원", "₩157.6bn"),
        (1_460_000_000_000, "1.46조원", "₩1.46tn"),
        (193_600_000_000, "1,936억원", "₩193.6bn"),
        (4_830_000_000, "48.3억원", "₩4.83bn"),
        (20_000_000_000, "200억원", "₩20bn"),
        (16_076_170_000_000, "16.08조원", "₩16.08tn"),
        (1_000_000_000_000, "1조원", "₩1tn"),
        (100_000_000, "1억원", "₩100m"),
        (50_000_000, "5,000만원", "₩50m"),
        (9_999, "9,999원", "₩9,999"),
        (0, "0원", "₩0"),
        (-157_600_000_000, "-1,576억원", "-₩157.6bn"),
        (None, "—", "—"),
    ],
)
def test_krw_short_counts_in_the_readers_units(value, korean, english):
    with translation.override("ko"):
        assert krw_short(value) == korean
    with translation.override("en"):
        assert krw_short(value) == english


def test_krw_short_rounds_half_up_exactly():
    with translation.override("ko"):
        assert krw_short(123_456_789) == "1.23억원"
        assert krw_short(122_500_000) == "1.23억원"  # half up: 1.225 -> 1.23 (half-even would give 1.22)
    with translation.override("en"):
        assert krw_short(1_225_000_000) == "₩1.23bn"


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (Decimal("0.950"), None, "95%"),
        (Decimal("1.04"), None, "104%"),
        (Decimal("0.9025"), None, "90.3%"),
        ("0.5", None, "50%"),
        (Decimal("0.95"), 1, "95.0%"),
        (Decimal("0.12345"), 2, "12.35%"),
        (None, None, "—"),
    ],
)
def test_pct_turns_a_ratio_into_a_percentage(value, decimals, expected):
    assert pct(value, decimals) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (236_000_000_000, "236B"),
        (102_600_000_000, "102.6B"),
        (12_700_000_000, "12.7B"),
        (112_200_000_000, "112.2B"),
        (1_000_000_000_000, "1T"),
        (350_000_000, "350M"),
        (8_000, "8K"),
        (512, "512"),
        (None, "—"),
    ],
)
def test_params_writes_model_sizes_like_model_cards(value, expected):
    assert params(value) == expected


@pytest.mark.parametrize("language", ["ko", "en"])
def test_params_and_pct_do_not_depend_on_language(language):
    with translation.override(language):
        assert params(519_000_000_000) == "519B"
        assert pct(Decimal("0.95")) == "95%"


def test_filters_work_from_templates_per_active_language():
    template = Template("{% load kai_format %}{{ v|krw }} / {{ v|krw_short }} / {{ r|pct }} / {{ p|params }}")
    context = {"v": 157_600_000_000, "r": Decimal("0.95"), "p": 236_000_000_000}
    with translation.override("ko"):
        assert template.render(Context(context)) == "₩157,600,000,000 / 1,576억원 / 95% / 236B"
    with translation.override("en"):
        assert template.render(Context(context)) == "₩157,600,000,000 / ₩157.6bn / 95% / 236B"
