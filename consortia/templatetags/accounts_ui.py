"""Presentation helpers of the accounts pages: people by name, their role labels."""

from __future__ import annotations

from django import template

from common.roles import ROLE_LABELS
from consortia.accounts import names
from consortia.accounts.selectors import user_roles_held

register = template.Library()


@register.filter
def person_name(user) -> str:
    return names.person_name(user)


@register.filter
def person_label(user) -> str:
    return names.person_label(user)


@register.filter
def held_role_labels(user) -> list[str]:
    """The person's roles as translated labels (from the prefetched groups)."""
    return [str(ROLE_LABELS[role]) for role in user_roles_held(user)]
