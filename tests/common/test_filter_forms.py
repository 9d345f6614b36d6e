"""common.filter_forms: a page's filter form is its FilterSet's own form, prepared for the browser, and
preparing it leaves the FilterSet (what the API and the exports use) as it was. No database needed."""

from __future__ import annotations

import django_filters
import pytest
from django import forms
from django.http import QueryDict
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import translation

from common.filter_forms import FilterField, filter_form
from common.filters import AuditEventFilterSet, UtcIsoDateTimeFilter
from common.models import AuditEvent


class EventFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Search")
    team = django_filters.CharFilter(field_name="object_type", label="Team (code)")
    action = django_filters.MultipleChoiceFilter(choices=AuditEvent.Action.choices, label="Action")
    day = django_filters.DateFilter(field_name="occurred_at__date", label="Day")
    after = UtcIsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte", label="After")
    year = django_filters.NumberFilter(field_name="object_id", label="Year")

    class Meta:
        model = AuditEvent
        fields = ("actor_username",)

    def filter_q(self, queryset, name, value):
        return queryset


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


TEAMS = [("LG", "LG AI Research"), ("UPSTAGE", "Upstage")]
FIELDS = [
    FilterField("q", "Search by name", attrs={"type": "search"}),
    FilterField("team", "Team", choices=TEAMS, empty_label="All teams"),
    "action",
    "day",
    "after",
    FilterField("year", choices=[(2025, 2025)], empty_label="All years"),
]


def _filterset(query: str = "") -> EventFilterSet:
    return EventFilterSet(QueryDict(query) or None, queryset=AuditEvent.objects.none())


def _html(form: forms.Form, **context) -> str:
    request = RequestFactory().get("/events/?action=create")
    return render_to_string("includes/filter_form.html", {"filter_form": form, "request": request, **context})


def test_only_the_fields_the_page_offers_in_its_order_with_filter_ids():
    filterset = _filterset()
    form = filter_form(filterset, FIELDS)
    assert type(form) is type(filterset.form)  # the FilterSet's own form class
    assert list(form.fields) == ["q", "team", "action", "day", "after", "year"]  # no actor_username
    assert [form[name].auto_id for name in form.fields] == [f"filter-{name}" for name in form.fields]


def test_widgets_for_the_browser():
    form = filter_form(_filterset(), FIELDS)
    html = _html(form, is_filtered=False)
    assert '<label for="filter-q">Search by name</label>' in html
    assert '<input type="search" name="q" autocomplete="off" id="filter-q">' in html
    assert '<select name="team" id="filter-team">' in html
    assert '<option value="" selected>All teams</option>' in html
    assert '<option value="LG">LG AI Research</option>' in html
    assert '<fieldset class="field" id="filter-action">' in html and "<legend>Action</legend>" in html
    assert (
        '<label class="inline" for="filter-action_0"><input type="checkbox" name="action" value="create" '
        'id="filter-action_0"> Create</label>'
    ) in html
    assert '<input type="date" name="day" id="filter-day">' in html
    assert '<input type="datetime-local" name="after" id="filter-after">' in html
    assert '<option value="2025">2025</option>' in html
    assert 'role="search"' in html and 'action="/events/"' in html
    assert "Clear filters" not in html and "error-summary" not in html


def test_values_in_force_are_shown_even_a_code_the_page_does_not_list():
    form = filter_form(_filterset("team=OLD&action=create&action=freeze&day=2026-03-01&year=2025"), FIELDS)
    html = _html(form, is_filtered=True)
    assert '<option value="OLD" selected>OLD</option>' in html
    assert 'value="create" id="filter-action_0" checked>' in html
    assert 'value="freeze" id="filter-action_7" checked>' in html
    assert '<input type="date" name="day" value="2026-03-01" id="filter-day">' in html
    assert '<option value="2025" selected>2025</option>' in html
    assert '<a href="/events/">Clear filters</a>' in html


def test_errors_are_the_filtersets_own_shown_next_to_the_field_and_in_the_summary():
    filterset = _filterset("action=bogus&day=someday&year=x")
    form = filter_form(filterset, FIELDS)
    assert form.errors == filterset.errors
    html = _html(form, is_filtered=True)
    message = filterset.errors["action"][0]
    assert "bogus" in message
    assert f'<li><a href="#filter-action">Action: {message}</a></li>' in html
    assert f'<p class="field-error" id="filter-action-error">{message}</p>' in html
    assert '<fieldset class="field has-error" id="filter-action">' in html
    assert 'aria-invalid="true" aria-describedby="filter-day-error"' in html
    assert f'<a href="#filter-year">Year: {filterset.errors["year"][0]}</a>' in html


def test_the_filterset_and_its_form_are_left_as_the_api_uses_them():
    filterset = _filterset("team=LG&action=create")
    before = {name: type(field.widget) for name, field in filterset.form.fields.items()}
    labels = {name: str(field.label) for name, field in filterset.form.fields.items()}
    filter_form(filterset, FIELDS)
    assert {name: type(field.widget) for name, field in filterset.form.fields.items()} == before
    assert {name: str(field.label) for name, field in filterset.form.fields.items()} == labels
    assert labels["team"] == "Team (code)"
    assert filterset.form.auto_id == "id_%s"
    assert type(EventFilterSet.base_filters["team"]) is django_filters.CharFilter
    fresh = EventFilterSet(queryset=AuditEvent.objects.none()).form
    assert isinstance(fresh.fields["team"].widget, forms.TextInput)
    assert isinstance(fresh.fields["action"].widget, forms.SelectMultiple)


def test_the_audit_filterset_keeps_its_api_form():
    form = filter_form(
        AuditEventFilterSet(QueryDict("occurred_after=2026-01-01T10:00"), queryset=AuditEvent.objects.none()),
        ["occurred_after"],
    )
    assert form["occurred_after"].value() == "2026-01-01T10:00" and form.is_valid()
    api_form = AuditEventFilterSet(queryset=AuditEvent.objects.none()).form
    assert isinstance(api_form.fields["occurred_after"].widget, forms.DateTimeInput)
    assert api_form.fields["occurred_after"].widget.input_type == "text"
