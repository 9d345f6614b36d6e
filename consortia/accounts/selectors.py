"""Reads for the accounts pages and API: who holds which role, where they work, when they last came in."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from common.models import ApiToken
from common.roles import Role
from common.services import SYSTEM_USERNAME
from consortia.models import Affiliation

_ROLE_ORDER = list(Role)


def user_list() -> QuerySet:
    """Every account with its affiliation and groups loaded, the last time one of its API tokens was used
    (``last_api_use``) and how many of its tokens are still active (``active_token_count``). Subqueries, not
    joins, so a role filter (a join on groups) cannot multiply the counts."""
    tokens = ApiToken.objects.filter(user=OuterRef("pk"))
    return (
        get_user_model()
        # The system actor that program loads are attributed to is not a person with an account to manage.
        .objects.exclude(username=SYSTEM_USERNAME)
        .select_related("affiliation__organization", "affiliation__consortium")
        .prefetch_related("groups")
        .annotate(
            last_api_use=Subquery(
                tokens.filter(last_used_at__isnull=False).order_by("-last_used_at").values("last_used_at")[:1]
            ),
            active_token_count=Coalesce(
                Subquery(
                    tokens.filter(revoked_at__isnull=True)
                    .order_by()
                    .values("user")
                    .annotate(count=Count("pk"))
                    .values("count"),
                    output_field=IntegerField(),
                ),
                Value(0),
            ),
        )
        .order_by("username")
    )


def user_get(*, user_id: int):
    return user_list().get(pk=user_id)


def user_role(user) -> Role | None:
    """The person's role (one per person; the first in Role order should several groups be set by hand).
    Uses the prefetched groups when there are any."""
    names = {group.name for group in user.groups.all()}
    return next((role for role in _ROLE_ORDER if role.value in names), None)


def user_roles_held(user) -> list[Role]:
    names = {group.name for group in user.groups.all()}
    return [role for role in _ROLE_ORDER if role.value in names]


def user_account_values(user) -> dict:
    """The editable values of an account, as the update service takes them (the form's initial values and
    what an API PATCH leaves unchanged)."""
    affiliation = Affiliation.objects.select_related("organization", "consortium").filter(user=user).first()
    role = user_role(user)
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": role.value if role is not None else "",
        "organization": affiliation.organization if affiliation else None,
        "consortium": affiliation.consortium if affiliation else None,
        "title": affiliation.title if affiliation else "",
    }
