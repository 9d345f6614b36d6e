"""Small presentation helpers shared by every page: marks for illustrative values, names in the reader's
language and role labels in a stable order."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from common.roles import ROLE_GRANTS, Role, effective_roles

register = template.Library()

_ROLE_ORDER = {role: index for index, role in enumerate(Role)}


@register.inclusion_tag("includes/illustrative.html")
def illustrative(obj, always=False):
    """The "illustrative" tag for a value made up for the demo, with its source note as the tooltip.

    ``obj`` is any SourcedMixin row; ``always=True`` shows the tag regardless (for a column of values
    that are all illustrative).
    """
    shown = bool(always or getattr(obj, "is_illustrative", False))
    return {"shown": shown, "note": getattr(obj, "source_note", "") if obj is not None else ""}


@register.filter
def localized_name(obj) -> str:
    """An organization or program in the reader's language (name_ko / name_en), the other one as fallback."""
    if obj is None:
        return ""
    korean = (get_language() or "ko").split("-")[0] == "ko"
    first, second = ("name_ko", "name_en") if korean else ("name_en", "name_ko")
    return getattr(obj, first, "") or getattr(obj, second, "") or str(obj)


@register.filter
def other_name(obj) -> str:
    """The name in the other language when it differs (래블업 -> Lablup), for showing both; else ""."""
    if obj is None:
        return ""
    shown = localized_name(obj)
    for attribute in ("name_ko", "name_en"):
        value = getattr(obj, attribute, "") or ""
        if value and value != shown:
            return value
    return ""


@register.filter
def role_labels(roles) -> list[str]:
    """Translated role names in the fixed Role order (sets have no order of their own)."""
    return [
        role.label for role in sorted(roles or (), key=lambda role: _ROLE_ORDER.get(role, len(_ROLE_ORDER)))
    ]


@register.simple_tag(takes_context=True)
def app_visible(context, app_label: str) -> bool:
    """Whether the signed-in user's roles may view anything of ``app_label`` (ROLE_GRANTS, the source of the
    groups' permissions), for showing or hiding a navigation entry. No query: roles are already loaded."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return False
    for role in effective_roles(user):
        for (grant_app, _model), actions in ROLE_GRANTS[role].items():
            if grant_app in ("*", app_label) and "view" in actions:
                return True
    return False
