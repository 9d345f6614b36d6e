"""Number formatting for the portal's pages: won, percentages and model sizes.

Amounts are whole won (integers, see budget.models). Short forms follow the reader's language: Korean
readers count in 만/억/조 (10^4, 10^8, 10^12), English readers in millions, billions and trillions.
Decimal arithmetic keeps every rounding exact; no float ever touches an amount.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language

register = template.Library()

EMPTY = "—"

# (threshold, unit suffix), largest first.
_KO_UNITS = ((10**12, "조원"), (10**8, "억원"), (10**4, "만원"))
_EN_UNITS = ((10**12, "tn"), (10**9, "bn"), (10**6, "m"))
_PARAM_UNITS = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


def _as_decimal(value) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _grouped(number: Decimal, max_decimals: int) -> str:
    """Thousands separators and at most ``max_decimals`` decimals, trailing zeros dropped (1,576 / 1.46)."""
    quantum = Decimal(1).scaleb(-max_decimals)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{max_decimals}f}"
    if max_decimals:
        text = text.rstrip("0").rstrip(".")
    return text


def _is_korean() -> bool:
    return (get_language() or "ko").split("-")[0] == "ko"


@register.filter
def krw(value) -> str:
    """₩1,234,567,890 (whole won)."""
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    sign = "-" if number < 0 else ""
    return f"{sign}₩{_grouped(abs(number), 0)}"


@register.filter
def krw_short(value) -> str:
    """Large amounts as readers count them: 1,576억원 / 1.46조원 (Korean), ₩157.6bn / ₩1.46tn (English)."""
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    sign = "-" if number < 0 else ""
    magnitude = abs(number)
    korean = _is_korean()
    for threshold, suffix in _KO_UNITS if korean else _EN_UNITS:
        if magnitude >= threshold:
            # Rounding may carry past the unit (9,999.996억 -> 10,000억); that still reads right and is exact.
            amount = _grouped(magnitude / threshold, 2)
            return f"{sign}{amount}{suffix}" if korean else f"{sign}₩{amount}{suffix}"
    return f"{sign}{_grouped(magnitude, 0)}원" if korean else f"{sign}₩{_grouped(magnitude, 0)}"


@register.filter
def pct(value, decimals=None) -> str:
    """A ratio as a percentage: 0.95 -> 95%, 1.04 -> 104%. ``|pct:1`` forces one decimal (95.0%)."""
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    percent = number * 100
    if decimals in (None, ""):
        return f"{_grouped(percent, 1)}%"
    places = int(decimals)
    return f"{percent.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}%"


@register.filter
def params(value) -> str:
    """A parameter count as model cards write it: 236B, 102.6B, 1T, 350M."""
    number = _as_decimal(value)
    if number is None:
        return EMPTY
    for threshold, suffix in _PARAM_UNITS:
        if abs(number) >= threshold:
            return f"{_grouped(number / threshold, 2)}{suffix}"
    return _grouped(number, 0)
