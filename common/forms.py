"""Form pieces every app's browser forms share: accessible error marking, and a service's ValidationError
placed on the form."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


class DateInput(forms.DateInput):
    """A browser date picker that reads and writes ISO dates, whatever the page's language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class AccessibleForm(forms.Form):
    """Marks every field with an error for assistive technology (aria-invalid, aria-describedby pointing
    at the message), including errors added after validation, e.g. from a service."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if field.help_text:
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-help"

    def full_clean(self):
        super().full_clean()
        mark_invalid_fields(self)

    def add_error(self, field, error):
        super().add_error(field, error)
        mark_invalid_fields(self)


def mark_invalid_fields(form: forms.Form) -> None:
    """aria-invalid on each field of ``form`` with an error, and aria-describedby pointing at its message
    (``<id>-error``) and hint (``<id>-help``), as includes/error_summary.html and the field templates
    name them."""
    for name in form.errors:
        if name not in form.fields:
            continue
        field, auto_id = form.fields[name], form[name].auto_id
        field.widget.attrs["aria-invalid"] = "true"
        described = [f"{auto_id}-error"] + ([f"{auto_id}-help"] if field.help_text else [])
        field.widget.attrs["aria-describedby"] = " ".join(described)


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: keyed messages next to their field when the form has
    it, everything else in the error summary at the top."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
