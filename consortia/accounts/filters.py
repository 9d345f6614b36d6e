"""The users FilterSet: the staff's users page and ``/api/v1/users/`` take the same parameters."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from common.roles import ROLE_LABELS, Role
from consortia.models import Organization

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]
# What the yes/no filter understands (as common.api.filter_backends does for the API); "" means any.
_YES_NO = {"", "true", "false", "True", "False", "1", "0"}


class UserFilterForm(forms.Form):
    def clean(self):
        # django-filter reads ?is_active=yes as "no filter" and lists everyone; say so on the page instead.
        if self.data.get("is_active", "") not in _YES_NO:
            self.add_error("is_active", _("Choose active (true) or deactivated (false)."))
        return super().clean()


class UserFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    role = django_filters.MultipleChoiceFilter(
        choices=ROLE_CHOICES, field_name="groups__name", distinct=True, label=_("Role")
    )
    is_active = django_filters.BooleanFilter(label=_("Active"))
    organization = django_filters.ModelChoiceFilter(
        queryset=Organization.objects.all(), field_name="affiliation__organization", label=_("Organization")
    )
    consortium = django_filters.CharFilter(
        field_name="affiliation__consortium__code", label=_("Consortium (code)")
    )

    class Meta:
        model = get_user_model()
        fields = ("is_active",)
        form = UserFilterForm

    def filter_q(self, queryset, name, value):
        return queryset.filter(
            Q(username__icontains=value)
            | Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | Q(affiliation__organization__name_ko__icontains=value)
            | Q(affiliation__organization__name_en__icontains=value)
        )
