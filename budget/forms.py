"""Browser forms for the budget: they check the shape of the input only (a whole number, a date, a choice
from the lists the user may pick from). Every rule about money — room under a line or a cap, four eyes,
frozen allocations — is the services' job; their ValidationErrors are put back on these forms by
``form_errors_from`` so they show next to the field they concern."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from budget.models import Allocation, BudgetLine
from common.forms import AccessibleForm, DateInput
from consortia.models import Consortium

# "5,000,000,000", "₩5 000 000 000", "5000000000원": separators and the currency mark are dropped.
_KRW_NOISE = re.compile(r"[\s,_₩원]")
# Any length Python converts cheaply (its limit is 4300 digits): an amount beyond bigint then reaches the
# service, which refuses it as too large rather than as "not a whole number".
_KRW_DIGITS = re.compile(r"-?[0-9]{1,4000}")


class KrwField(forms.Field):
    """Whole won, typed as digits with or without thousands separators. Positivity and size are the
    service's to judge (it names the amount in its message); this only refuses what is not a whole number."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip() if value is not None else ""
        if text in self.empty_values:
            return None
        digits = _KRW_NOISE.sub("", text)
        if not _KRW_DIGITS.fullmatch(digits):
            raise ValidationError(
                _("Enter a whole number of won, e.g. 5000000000 or 5,000,000,000 (no decimals)."),
                code="not_integer",
            )
        return int(digits)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        return attrs


class AmendForm(AccessibleForm):
    new_amount_krw = KrwField(
        label=_("New amount (KRW)"), help_text=_("Whole won; it cannot be lower than what is allocated.")
    )
    reason = forms.CharField(
        label=_("Reason for the amendment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the amendment in the line's history and in the audit trail."),
    )


class AllocationForm(AccessibleForm):
    line = forms.ModelChoiceField(queryset=BudgetLine.objects.none(), label=_("Budget line"))
    consortium = forms.ModelChoiceField(queryset=Consortium.objects.none(), label=_("Consortium"))
    amount_krw = KrwField(label=_("Amount (KRW)"))
    period_start = forms.DateField(label=_("Period start"), widget=DateInput())
    period_end = forms.DateField(label=_("Period end"), widget=DateInput())
    gpu_model = forms.CharField(
        label=_("GPU model"), max_length=40, required=False, help_text=_("For example B200 or H100.")
    )
    gpu_count = forms.IntegerField(label=_("GPU count"), required=False)
    source_note = forms.CharField(label=_("Note or source"), max_length=500, required=False)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = BudgetLine.objects.filter(program=program).order_by(
            "fiscal_year", "code"
        )
        self.fields["line"].label_from_instance = lambda line: f"{line.code} · {line.name}"
        # Only active teams can receive an allocation (the service says so too, for other interfaces).
        self.fields["consortium"].queryset = Consortium.objects.filter(
            program=program, status=Consortium.Status.ACTIVE
        ).order_by("code")
        self.fields["consortium"].label_from_instance = lambda team: f"{team.name} ({team.code})"

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["gpu_model"] = data.get("gpu_model") or None
        return data


class ExecutionForm(AccessibleForm):
    allocation = forms.ModelChoiceField(queryset=Allocation.objects.none(), label=_("Allocation"))
    spent_on = forms.DateField(label=_("Spent on"), widget=DateInput())
    amount_krw = KrwField(label=_("Amount spent (KRW)"))
    description = forms.CharField(
        label=_("Description"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.FileField(
        label=_("Evidence"),
        required=False,
        help_text=_("PDF, PNG, JPG, CSV, XLSX, HWP or HWPX; its SHA-256 is recorded."),
    )

    def __init__(self, *args, allocations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["allocation"].queryset = allocations
        self.fields["allocation"].label_from_instance = _allocation_label
        self.fields["evidence"].widget.attrs["accept"] = ".pdf,.png,.jpg,.jpeg,.csv,.xlsx,.hwp,.hwpx"


def _allocation_label(allocation: Allocation) -> str:
    gpu = f" · {allocation.gpu_count}×{allocation.gpu_model}" if allocation.gpu_model else ""
    frozen = f" · {Allocation.Status.FROZEN.label}" if allocation.is_frozen else ""
    return (
        f"{allocation.consortium.code} · {allocation.line.code}{gpu} · "
        f"{allocation.period_start:%Y-%m-%d}–{allocation.period_end:%Y-%m-%d} · "
        f"₩{allocation.amount_krw:,}{frozen}"
    )


class ApproveForm(AccessibleForm):
    note = forms.CharField(label=_("Note (optional)"), max_length=2000, required=False)


class RejectForm(AccessibleForm):
    reason = forms.CharField(
        label=_("Reason for rejecting"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
