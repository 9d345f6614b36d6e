"""Browser forms for the registry. They check shape only (a choice from the lists, a date); the rules (a
unique English name, a partner joining once, leaving after it joined, a team that is still active) are the
services', and their ValidationErrors land on these forms next to the field they name."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm, DateInput
from consortia.models import Organization, Partnership


class OrganizationForm(AccessibleForm):
    name_ko = forms.CharField(label=_("Korean name"), max_length=200)
    name_en = forms.CharField(
        label=_("English name"),
        max_length=200,
        help_text=_("Unique: the registry tells organizations apart by it."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "---------"), *Organization.Kind.choices])
    country = forms.CharField(
        label=_("Country"), max_length=2, initial="KR", help_text=_("Two-letter ISO code, e.g. KR or US.")
    )
    source_note = forms.CharField(label=_("Source / note"), max_length=500, required=False)

    def service_kwargs(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class PartnerJoinForm(AccessibleForm):
    organization = OrganizationChoiceField(queryset=Organization.objects.none(), label=_("Organization"))
    role = forms.ChoiceField(
        label=_("Role"), choices=Partnership.Role.choices, initial=Partnership.Role.PARTNER
    )
    contribution = forms.CharField(label=_("Contribution"), max_length=300, required=False)
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput())

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class PartnerLeaveForm(AccessibleForm):
    left_on = forms.DateField(label=_("Left on"), widget=DateInput())


class ConsortiumWithdrawForm(AccessibleForm):
    left_on = forms.DateField(label=_("Withdrawn on"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on the team's page and in the audit trail."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I confirm the team withdraws: its support ends and its running phases' standings are recomputed."
        )
    )
