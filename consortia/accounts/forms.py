"""Browser forms for accounts. They check shape only (a choice from the lists, a well-formed address); the
rules (username or email taken, a member's team, a team only for members) are the services', and their
ValidationErrors are placed on these forms next to the field they name."""

from __future__ import annotations

import unicodedata

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from common.forms import AccessibleForm
from consortia.accounts.filters import ROLE_CHOICES
from consortia.models import Consortium, Organization

User = get_user_model()


class OrganizationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class AccountForm(AccessibleForm):
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("Invitations and password-reset links are sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *ROLE_CHOICES])
    organization = OrganizationChoiceField(
        queryset=Organization.objects.order_by("name_en"), label=_("Organization")
    )
    consortium = TeamChoiceField(
        queryset=Consortium.objects.select_related("program").order_by("code"),
        label=_("Team"),
        required=False,
        help_text=_("Consortium members only: the one team whose data they work on."),
    )
    title = forms.CharField(label=_("Job title"), max_length=100, required=False)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "email": data["email"],
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "role": data["role"],
            "organization": data["organization"],
            "consortium": data.get("consortium"),
            "title": data.get("title", ""),
        }


class UserCreateForm(AccountForm):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("Used to log in: letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Leave empty to send an invitation: the person gets an email with a link to set their own "
            "password (recommended)."
        ),
    )
    field_order = (
        "username",
        "last_name",
        "first_name",
        "email",
        "role",
        "organization",
        "consortium",
        "title",
    )

    def service_kwargs(self) -> dict:
        return {**super().service_kwargs(), "username": self.cleaned_data["username"]}


class UserUpdateForm(AccountForm):
    pass


class PortalPasswordChangeForm(AccessibleForm, PasswordChangeForm):
    pass


class PortalSetPasswordForm(AccessibleForm, SetPasswordForm):
    pass


def _same_address(a: str, b: str) -> bool:
    return unicodedata.normalize("NFKC", a).casefold() == unicodedata.normalize("NFKC", b).casefold()


class PortalPasswordResetForm(AccessibleForm, PasswordResetForm):
    """Django's reset form, also for an invited person who has not set a password yet (Django leaves out
    accounts without a usable password, meant for people who log in elsewhere; the portal has no such
    accounts), so a lost invitation is replaced by "Forgot your password?". Unknown addresses still get no
    mail and the same answer."""

    def get_users(self, email):
        email_field = User.get_email_field_name()
        candidates = User._default_manager.filter(**{f"{email_field}__iexact": email, "is_active": True})
        return (user for user in candidates if _same_address(email, getattr(user, email_field)))
