"""Reads that only the browser pages need: the consortium list/detail shapes (counts, grouped partners,
history) and the program the portal shows.

Visibility: the registry is public program data for every portal role, as in the API
(common.api.permissions.RolePermission with the default read roles); pages check that before calling here.
Each function runs a fixed number of queries, whatever the number of teams, partners or phases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from consortia.models import Consortium, FoundationModel, Organization, Partnership, Program

# --- Database reads ---------------------------------------------------------------------------------


def program_current() -> Program | None:
    """The program the portal shows (there is one; the earliest if a second is ever loaded)."""
    return Program.objects.order_by("start_date", "pk").first()


def _count_of(model, **filters) -> Coalesce:
    """A per-consortium row count as a subquery, so several counts don't multiply each other's joins."""
    counted = (
        model.objects.filter(consortium=OuterRef("pk"), **filters)
        .order_by()
        .values("consortium")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def consortium_list_for_ui(*, program: Program | None = None) -> QuerySet[Consortium]:
    """Consortia with lead, departure phase, partner and model counts: one query for any number of teams."""
    qs = Consortium.objects.select_related("lead", "left_in_phase").annotate(
        partner_count=_count_of(Partnership, role=Partnership.Role.PARTNER),
        model_count=_count_of(FoundationModel),
    )
    if program is not None:
        qs = qs.filter(program=program)
    return qs.order_by("status", "joined_on", "code")


@dataclass(frozen=True)
class PartnerGroup:
    kind: str
    label: str
    partnerships: list[Partnership]


@dataclass(frozen=True)
class HistoryEvent:
    on: dt.date
    kind: str  # "team_joined", "partner_joined", "partner_left", "team_left"
    partnership: Partnership | None = None


@dataclass
class ConsortiumDetail:
    consortium: Consortium
    lead_partnerships: list[Partnership]
    partner_groups: list[PartnerGroup]
    models: list[FoundationModel]
    history: list[HistoryEvent]


def consortium_detail_for_ui(*, consortium_id: int) -> ConsortiumDetail:
    """Three queries. Raises Consortium.DoesNotExist for an unknown id."""
    consortium = (
        Consortium.objects.select_related("lead", "program", "left_in_phase")
        .prefetch_related(
            Prefetch(
                "partnerships",
                queryset=Partnership.objects.select_related("organization").order_by("organization__name_en"),
            ),
            Prefetch(
                "models", queryset=FoundationModel.objects.order_by("is_planned", "released_on", "name")
            ),
        )
        .get(pk=consortium_id)
    )
    partnerships = list(consortium.partnerships.all())
    leads = [p for p in partnerships if p.role == Partnership.Role.LEAD]
    groups = []
    for kind, label in Organization.Kind.choices:
        members = [p for p in partnerships if p.role != Partnership.Role.LEAD and p.organization.kind == kind]
        if members:
            groups.append(PartnerGroup(kind=kind, label=label, partnerships=members))
    history = [HistoryEvent(on=consortium.joined_on, kind="team_joined")]
    for p in partnerships:
        if p.role != Partnership.Role.LEAD and p.joined_on != consortium.joined_on:
            history.append(HistoryEvent(on=p.joined_on, kind="partner_joined", partnership=p))
        if p.left_on is not None:
            history.append(HistoryEvent(on=p.left_on, kind="partner_left", partnership=p))
    if consortium.left_on is not None:
        history.append(HistoryEvent(on=consortium.left_on, kind="team_left"))
    order = {"team_joined": 0, "partner_joined": 1, "partner_left": 2, "team_left": 3}
    history.sort(
        key=lambda e: (e.on, order[e.kind], e.partnership.organization.name_en if e.partnership else "")
    )
    return ConsortiumDetail(
        consortium=consortium,
        lead_partnerships=leads,
        partner_groups=groups,
        models=list(consortium.models.all()),
        history=history,
    )
