"""Presentation helpers of the consortia pages."""

from __future__ import annotations

from django import template

from consortia.models import FoundationModel

register = template.Library()


@register.filter
def modality_labels(model) -> list[str]:
    """A foundation model's modalities as translated labels, in the order the record lists them."""
    labels = dict(FoundationModel.Modality.choices)
    return [str(labels.get(value, value)) for value in getattr(model, "modalities", None) or ()]
