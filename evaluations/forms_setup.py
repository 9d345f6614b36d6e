"""Browser forms of a phase's set-up page and of the "new phase" / "next phase" pages. They check the shape of
the input only; the set-up services decide every rule (dates in order, weights adding up to 100, who may
take part, what is frozen), and their refusals are put back on these forms next to the field they name."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm
from evaluations.models import BenchmarkGroup, RubricComponent


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _date(label) -> forms.DateField:
    return forms.DateField(label=label, required=False, widget=DateInput())


class PhaseDetailsForm(AccessibleForm):
    """Name, dates, team counts and frontier threshold: what ``services.phase_update`` changes."""

    name = forms.CharField(label=_("Name"), max_length=200)
    development_start = _date(_("Development start"))
    showcase_on = _date(_("Showcase"))
    evaluation_start = _date(_("Evaluation start"))
    result_on = _date(_("Result date"))
    teams_in = forms.IntegerField(label=_("Teams entering"), required=False, min_value=1, max_value=100)
    teams_advancing = forms.IntegerField(label=_("Teams that advance"), min_value=0, max_value=100)
    frontier_threshold = forms.DecimalField(
        label=_("Frontier threshold"),
        max_digits=4,
        decimal_places=3,
        help_text=_("Share of its declared target model a team must reach, e.g. 0.950 for 95%."),
        widget=forms.NumberInput(attrs={"step": "0.001"}),
    )


class PhaseCreateForm(PhaseDetailsForm):
    """A new phase: its code and (optionally) order, then the details. The threshold defaults to the
    program's (or, for the next phase, the source phase's) when left empty."""

    field_order = ("program", "code", "order", "name")

    program = forms.ModelChoiceField(queryset=None, label=_("Program"), empty_label=None)
    code = forms.SlugField(
        label=_("Code"), max_length=40, help_text=_("Letters, digits and hyphens, e.g. P3.")
    )
    order = forms.IntegerField(
        label=_("Order"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("Leave empty to put the phase after the last one."),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["frontier_threshold"].required = False
        if programs is None:
            del self.fields["program"]
        else:
            self.fields["program"].queryset = programs


class ComponentAddForm(AccessibleForm):
    key = forms.SlugField(label=_("Key"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=200)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )
    source = forms.ChoiceField(label=_("Source of points"), choices=RubricComponent.Source.choices)
    panel_size = forms.IntegerField(label=_("Panel size"), required=False, min_value=1, max_value=10_000)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ComponentEditForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal(0), max_value=Decimal(100), max_digits=5, decimal_places=2
    )
    source = forms.ChoiceField(label=_("Source of points"), choices=RubricComponent.Source.choices)
    panel_size = forms.IntegerField(label=_("Panel size"), required=False, min_value=1, max_value=10_000)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


_GROUP_CHOICES = [("", "—"), *BenchmarkGroup.choices]


class CriterionEditForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    max_points = forms.DecimalField(
        label=_("Maximum points"), min_value=Decimal("0.01"), max_digits=6, decimal_places=2
    )
    benchmark_group = forms.ChoiceField(
        label=_("Benchmark group"),
        choices=_GROUP_CHOICES,
        required=False,
        help_text=_("Required for a criterion of a benchmark component."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class CriterionAddForm(CriterionEditForm):
    field_order = ("key", "name")

    key = forms.SlugField(label=_("Key"), max_length=40)


class WeightsForm(AccessibleForm):
    """Every component's weight at once; the service refuses a total other than 100 and states the total."""

    def __init__(self, *args, components: list[RubricComponent], **kwargs):
        super().__init__(*args, **kwargs)
        self.components = components
        for component in components:
            self.fields[f"weight_{component.key}"] = forms.DecimalField(
                label=component.name,
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                initial=component.weight,
                widget=forms.NumberInput(attrs={"step": "0.01"}),
            )

    def clean(self):
        data = super().clean()
        if not self.errors:
            data["weights"] = {c.key: data[f"weight_{c.key}"] for c in self.components}
        return data


class GateEditForm(AccessibleForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class GateAddForm(GateEditForm):
    field_order = ("key", "name", "description")

    key = forms.SlugField(label=_("Key"), max_length=40)


class BenchmarkAddForm(AccessibleForm):
    benchmark = forms.ModelChoiceField(queryset=None, label=_("Benchmark"))
    group = forms.ChoiceField(label=_("Group"), choices=BenchmarkGroup.choices)
    consortium = forms.ModelChoiceField(
        queryset=None,
        label=_("Consortium"),
        required=False,
        help_text=_("Only for a team-specific benchmark."),
    )

    def __init__(self, *args, benchmarks, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].queryset = benchmarks
        self.fields["consortium"].queryset = teams


class TargetModelForm(AccessibleForm):
    consortium = forms.ModelChoiceField(queryset=None, label=_("Consortium"))
    reference_model = forms.CharField(
        label=_("Declared target model"),
        max_length=100,
        help_text=_("The frontier model the team is measured against, e.g. DeepSeek-V3.2."),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consortium"].queryset = teams


class ReferenceScoreForm(AccessibleForm):
    benchmark = forms.ModelChoiceField(queryset=None, label=_("Benchmark"))
    reference_model = forms.CharField(label=_("Reference model"), max_length=100)
    score = forms.DecimalField(label=_("Score"), max_digits=10, decimal_places=3)

    def __init__(self, *args, benchmarks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["benchmark"].queryset = benchmarks


class ParticipantAddForm(AccessibleForm):
    consortium = forms.ModelChoiceField(
        queryset=None, label=_("Consortium"), help_text=_("Only active teams can be added.")
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consortium"].queryset = teams


class RowForm(AccessibleForm):
    """Names the row a remove button (or a row's edit form) acts on, among the rows of this phase."""

    row = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput)

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["row"].queryset = rows
