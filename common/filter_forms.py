"""The filter form of a browser list page, made from the FilterSet the API and the exports use, so a
parameter's name, validation and error messages are the same in all three. templates/includes/
filter_form.html renders it.

The page says only how it offers each parameter: a label in its own words where the FilterSet's is written
for the API ("Consortium (code)"), and a choice list for a parameter the API takes as free text (a
consortium code). The FilterSet, its filters and its form class are not touched, so the API and the
exports keep their behaviour and the OpenAPI schema stays as it is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.forms.widgets import Input
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_filters import FilterSet

from common.forms import mark_invalid_fields

# Ids of the filter inputs: the error summary links to them and the browser tests select by them.
FILTER_ID = "filter-%s"


@dataclass(frozen=True)
class FilterField:
    """How a page offers one parameter of its FilterSet; by default as the FilterSet's form has it."""

    name: str
    label: str | Promise | None = None
    # Offered as a <select> of these (value, label) pairs, after an "All …" option that means "any".
    choices: Iterable[tuple[Any, Any]] | None = None
    empty_label: str | Promise | None = None
    # Extra attributes of the input; "type" replaces the input type (e.g. "search").
    attrs: Mapping[str, str] = field(default_factory=dict)


def filter_form(filterset: FilterSet, fields: Sequence[str | FilterField]) -> forms.Form:
    """A form of ``filterset``'s own form class, bound to the same data, prepared for a page: only
    ``fields``, in that order; ids ``filter-<name>``; dates as date inputs, date-times as local date-time
    inputs, multiple choices as checkboxes; the fields with errors marked for assistive technology.

    A form of its own, so the FilterSet's form, which decides what the list shows, is left as it is; its
    fields are copies of the FilterSet's, so the values, the validation and the messages are the same."""
    form_class = type(filterset.form)
    data = filterset.data if filterset.is_bound else None
    form = form_class(data, prefix=filterset.form_prefix, auto_id=FILTER_ID)
    specs = [spec if isinstance(spec, FilterField) else FilterField(spec) for spec in fields]
    form.fields = {spec.name: _prepare(form, spec) for spec in specs}
    form.full_clean()
    mark_invalid_fields(form)
    return form


def _prepare(form: forms.Form, spec: FilterField) -> forms.Field:
    field = form.fields[spec.name]
    if spec.label is not None:
        field.label = spec.label
    widget: forms.Widget
    if spec.choices is not None:
        widget = forms.Select(choices=_select_choices(form, spec))
    elif isinstance(field, forms.MultipleChoiceField):
        widget = forms.CheckboxSelectMultiple(choices=field.choices)
    elif isinstance(field, forms.DateTimeField):
        widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    elif isinstance(field, forms.DateField):
        widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif isinstance(field, forms.CharField):
        widget = forms.TextInput(attrs={"autocomplete": "off"})
    else:
        widget = field.widget
    attrs = dict(spec.attrs)
    if "type" in attrs and isinstance(widget, Input):
        widget.input_type = attrs.pop("type")
    widget.attrs.update(attrs)
    widget.is_required = field.required
    field.widget = widget
    return field


def _select_choices(form: forms.Form, spec: FilterField) -> list[tuple[Any, Any]]:
    """The page's choices after the "any" option; a value in force that is not among them (an old link's
    code) is offered too, so the form shows the filter that applies."""
    choices = [(str(value), label) for value, label in spec.choices or ()]
    current = form.data.get(form.add_prefix(spec.name), "") if form.is_bound else ""
    if current and current not in {value for value, _label in choices}:
        choices.append((current, current))
    return [("", spec.empty_label or _("All")), *choices]
