"""Model choices built from a plain enum (common.choices.text_choices)."""

from __future__ import annotations

from enum import StrEnum

import pytest
from django.core.exceptions import ImproperlyConfigured

from common.choices import text_choices


class Colour(StrEnum):
    RED = "red"
    BLUE = "blue"


def test_choices_take_the_enums_values_and_the_given_labels():
    choices = text_choices(
        Colour, {Colour.RED: "Red", Colour.BLUE: "Blue"}, module=__name__, qualname="Paint"
    )
    assert choices.choices == [("red", "Red"), ("blue", "Blue")]
    assert choices(Colour.BLUE).label == "Blue" and choices.RED == Colour.RED
    assert repr(choices.RED) == "Paint.RED"


def test_every_member_needs_exactly_one_label():
    with pytest.raises(ImproperlyConfigured, match=r"missing \['blue'\]"):
        text_choices(Colour, {Colour.RED: "Red"}, module=__name__, qualname="Paint")
