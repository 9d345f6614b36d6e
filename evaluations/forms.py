"""Browser forms for evaluations. They check the shape of the input only (a number, a file, a choice from
the lists the user may pick from); every rule of the programme — conflicts of interest, point ranges, who
may edit, phase status, stale versions — is the services' job, and their ValidationErrors are put back on
these forms (``form_errors_from``) so they show next to the field they concern or in the error summary."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm
from consortia.accounts.names import person_label
from evaluations.deadlines import KST
from evaluations.limits import (
    MAX_COMMENT,
    MAX_EXTENSION_REASON,
    MAX_GATE_TEXT,
    MAX_PANEL_NOTE,
    MAX_PANEL_SIZE,
)
from evaluations.models import RubricComponent, RubricCriterion


class UploadFileField(forms.FileField):
    widget = forms.ClearableFileInput

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ".csv,.json,text/csv,application/json"
        return attrs


class ResultUploadForm(AccessibleForm):
    phase = forms.ModelChoiceField(queryset=None, label=_("Phase"), empty_label=None)
    file = UploadFileField(
        label=_("Results file (CSV or JSON)"),
        help_text=_("Columns: benchmark, score, model_version, notes. Download the template below."),
    )

    def __init__(self, *args, phases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].queryset = phases


class GpuUsageUploadForm(AccessibleForm):
    file = UploadFileField(
        label=_("GPU usage file (CSV or JSON)"),
        help_text=_("Columns: month (YYYY-MM), gpu_model, gpu_hours, notes."),
    )


class ScoreSheetForm(AccessibleForm):
    """One points field and one comment field per evaluator-scored criterion, plus the version the sheet
    was loaded at (the service refuses a save if someone saved since)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, criteria: list[RubricCriterion], **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"points_{criterion.pk}"] = forms.DecimalField(
                label=criterion.name,
                required=False,
                min_value=Decimal(0),
                max_value=criterion.max_points,
                max_digits=6,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal", "class": "points"}),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on %(criterion)s") % {"criterion": criterion.name},
                required=False,
                max_length=MAX_COMMENT,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def rows(self):
        """(criterion, points bound field, comment bound field) for the template."""
        return [(c, self[f"points_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def entered(self) -> list[tuple[int, Decimal, str]]:
        """The criteria the evaluator gave points for (a draft may leave some blank)."""
        out = []
        for criterion in self.criteria:
            points = self.cleaned_data.get(f"points_{criterion.pk}")
            if points is not None:
                out.append((criterion.pk, points, self.cleaned_data.get(f"comment_{criterion.pk}", "")))
        return out


class PersonChoiceField(forms.ModelChoiceField):
    """People by name and organisation ("홍길동 · KAIST"), never by username."""

    def label_from_instance(self, obj) -> str:
        return person_label(obj)


class AssignmentForm(AccessibleForm):
    evaluator = PersonChoiceField(queryset=None, label=_("Evaluator"))
    consortium = forms.ModelChoiceField(queryset=None, label=_("Consortium"))

    def __init__(self, *args, evaluators, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evaluator"].queryset = evaluators
        self.fields["consortium"].queryset = teams


class GateDecisionForm(AccessibleForm):
    gate = forms.ModelChoiceField(queryset=None, label=_("Gate"), empty_label=None)
    consortium = forms.ModelChoiceField(queryset=None, label=_("Consortium"))
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("pass", _("Passed")), ("fail", _("Failed"))],
        widget=forms.RadioSelect,
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=MAX_GATE_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reason = forms.CharField(
        label=_("Written reason"),
        required=False,
        max_length=MAX_GATE_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the gate is failed."),
    )

    def __init__(self, *args, gates, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gate"].queryset = gates
        self.fields["consortium"].queryset = teams

    def clean(self):
        data = super().clean()
        if data.get("decision") == "fail" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("A failed gate needs a written reason."))
        return data


class PanelResultForm(AccessibleForm):
    consortium = forms.ModelChoiceField(queryset=None, label=_("Consortium"))
    component = forms.ModelChoiceField(queryset=None, label=_("Component"), empty_label=None)
    points = forms.DecimalField(
        label=_("Points"), max_digits=6, decimal_places=2, widget=forms.NumberInput(attrs={"step": "0.01"})
    )
    panel_size = forms.IntegerField(
        label=_("Panel size"), required=False, min_value=1, max_value=MAX_PANEL_SIZE
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=MAX_PANEL_NOTE)

    def __init__(self, *args, components, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].queryset = components
        self.fields["consortium"].queryset = teams


class WhatIfForm(AccessibleForm):
    """A weight per rubric component and the number of teams to cut; blank means "as now"."""

    cut_count = forms.IntegerField(label=_("Teams cut"), required=False, min_value=0, max_value=50)

    def __init__(self, *args, components: list[RubricComponent], **kwargs):
        super().__init__(*args, **kwargs)
        self.components = components
        for component in components:
            self.fields[f"weight_{component.key}"] = forms.DecimalField(
                label=_("Weight of %(component)s") % {"component": component.name},
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=5,
                decimal_places=2,
                widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": f"{component.weight:g}"}),
            )

    def weight_fields(self):
        return [self[f"weight_{c.key}"] for c in self.components]

    def weights(self) -> dict[str, Decimal] | None:
        given = {c.key: self.cleaned_data.get(f"weight_{c.key}") for c in self.components}
        if all(v is None for v in given.values()):
            return None
        return {c.key: (given[c.key] if given[c.key] is not None else c.weight) for c in self.components}


class KstDateTimeField(forms.DateTimeField):
    """A date and time typed and shown in KST, the zone every deadline is set in, whatever zone is active
    (a browser's date-time input carries no zone)."""

    INPUT_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", self.INPUT_FORMATS)
        widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "60"}, format="%Y-%m-%dT%H:%M")
        kwargs.setdefault("widget", widget)
        super().__init__(**kwargs)

    def to_python(self, value):
        with timezone.override(KST):
            return super().to_python(value)

    def prepare_value(self, value):
        if isinstance(value, dt.datetime):
            with timezone.override(KST):
                return super().prepare_value(value)
        return super().prepare_value(value)


class PhaseDeadlinesForm(AccessibleForm):
    submission_deadline = KstDateTimeField(
        label=_("Results submission deadline (KST)"),
        required=False,
        help_text=_("From this moment on, uploads are refused. Leave empty for no deadline."),
    )
    scoring_deadline = KstDateTimeField(
        label=_("Scoring deadline (KST)"),
        required=False,
        help_text=_("From this moment on, score sheets can no longer be saved. Leave empty for no deadline."),
    )


class DeadlineExtensionForm(AccessibleForm):
    consortium = forms.ModelChoiceField(queryset=None, label=_("Consortium"))
    deadline = KstDateTimeField(label=_("New deadline (KST)"))
    reason = forms.CharField(
        label=_("Written reason"),
        max_length=MAX_EXTENSION_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, teams, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consortium"].queryset = teams


class DeadlineExtensionRevokeForm(AccessibleForm):
    extension = forms.ModelChoiceField(queryset=None, widget=forms.HiddenInput, label=_("Extension"))

    def __init__(self, *args, extensions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["extension"].queryset = extensions
