"""Reads for consortia: visibility and query shape live here, for the UI, the API and tasks alike."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from common.user_cache import user_cached
from consortia.models import Affiliation, Consortium, Organization, Partnership


def consortium_list(*, program_id: int | None = None) -> QuerySet[Consortium]:
    # No per-row aggregates here: a COUNT over partnerships would join and group every row of the API's
    # list and its page count; the browser list has its own (consortia.ui_selectors).
    qs = Consortium.objects.select_related("lead", "program", "left_in_phase")
    if program_id is not None:
        qs = qs.filter(program_id=program_id)
    return qs.order_by("status", "code")


def consortium_get_detail(*, consortium_id: int) -> Consortium:
    return (
        Consortium.objects.select_related("lead", "program", "left_in_phase")
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("organization").order_by(
                    "role", "organization__kind", "organization__name_en"
                ),
            ),
            "models",
        )
        .get(pk=consortium_id)
    )


def user_affiliation(*, user) -> Affiliation | None:
    """The user's organization and team (one query per request: common.user_cache)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return user_cached(
        user,
        "affiliation",
        lambda: Affiliation.objects.select_related("organization", "consortium").filter(user=user).first(),
    )


def user_consortium_id(*, user) -> int | None:
    affiliation = user_affiliation(user=user)
    return affiliation.consortium_id if affiliation else None


def organization_conflicts(*, organization_id: int, consortium_id: int) -> Partnership | None:
    """The partnership that makes people of this organisation conflicted with this consortium, if any.

    Any place in the consortium counts, current or past: a former partner still has a stake in its result.
    """
    return (
        Partnership.objects.select_related("organization", "consortium")
        .filter(organization_id=organization_id, consortium_id=consortium_id)
        .first()
    )


def organization_conflicts_among(
    *, organization_ids: list[int], consortium_ids: list[int]
) -> dict[tuple[int, int], Partnership]:
    """``organization_conflicts`` for many pairs in one query:
    {(organization_id, consortium_id): partnership}."""
    found = Partnership.objects.filter(organization_id__in=organization_ids, consortium_id__in=consortium_ids)
    return {(p.organization_id, p.consortium_id): p for p in found}


def organization_list() -> QuerySet[Organization]:
    return Organization.objects.annotate(consortium_count=Count("partnerships")).order_by("name_en")


def organizations_joinable(*, consortium_id: int) -> QuerySet[Organization]:
    """Organisations with no place in the consortium yet (the ones a "partner joins" form offers)."""
    return Organization.objects.exclude(partnerships__consortium_id=consortium_id).order_by("name_en")


def partnership_list() -> QuerySet[Partnership]:
    return Partnership.objects.select_related("organization", "consortium").order_by(
        "consortium__code", "role", "organization__name_en"
    )
