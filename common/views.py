from __future__ import annotations

import json
from collections import Counter, defaultdict
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.api.permissions import ALL_ROLES, READERS, effective_roles
from common.dashboard import dashboard_summary
from common.roles import Role, can_read_everything, user_has_role
from consortia.models import Consortium
from consortia.selectors import user_affiliation
from consortia.ui_selectors import Outcome, consortium_list_for_ui, program_current, program_timeline


def roles_required(roles=ALL_ROLES):
    """Browser pages check roles exactly as the API's RolePermission does for reads: an anonymous visitor
    goes to the login page; a signed-in user holding none of ``roles`` gets 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not effective_roles(request.user) & set(roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def query_subset(query: QueryDict, keys: tuple[str, ...]) -> QueryDict:
    """The parameters a list page offers, without empty values (an empty <select> means "any"), so links
    and exports carry exactly the filters in force."""
    params = QueryDict(mutable=True)
    for key in keys:
        values = [value for value in query.getlist(key) if value.strip()]
        if values:
            params.setlist(key, values)
    return params


@require_GET
@roles_required()
def dashboard(request):
    program = program_current()
    context = {"program": program, "affiliation": user_affiliation(user=request.user)}
    if program is not None:
        timeline = program_timeline(program=program)
        consortia = list(consortium_list_for_ui(program=program))
        status_counts = Counter(c.status for c in consortia)
        context.update(
            timeline=timeline,
            current_entry=next((entry for entry in timeline if entry.is_current), None),
            consortia=consortia,
            active_count=status_counts[Consortium.Status.ACTIVE],
            departed_count=len(consortia) - status_counts[Consortium.Status.ACTIVE],
            teams_chart=_teams_chart(timeline),
        )
        # The figures come from the same cached selector as /api/v1/dashboard/summary/.
        summary = dashboard_summary(program=program)
        phases = {entry.phase.code: entry.phase for entry in timeline}
        names = {c.pk: c.name for c in consortia}
        context["standings"] = _standings_view(request.user, program, summary, phases, names)
        context.update(_budget_view(request.user, program, summary, consortia))
    return render(request, "dashboard.html", context)


@require_GET
@roles_required()
def dashboard_standings(request):
    """htmx: the standings section alone. While the snapshot is stale the section asks for itself again
    every few seconds; the answer without that trigger (a fresh table) ends the polling."""
    program = program_current()
    if program is None:
        raise Http404
    summary = dashboard_summary(program=program)
    from evaluations.models import Phase

    phases = {phase.code: phase for phase in Phase.objects.filter(program=program)}
    context = {"standings": _standings_view(request.user, program, summary, phases), "polled": True}
    return render(request, "dashboard/_standings.html", context)


# --- Dashboard: standings ---------------------------------------------------------------------------


def _final_snapshot(program):
    """What members may see (the API's rule): the table of the latest finalized phase, its official
    snapshot if one was marked, else its latest."""
    from evaluations.models import Phase, StandingsSnapshot

    return (
        StandingsSnapshot.objects.filter(phase__program=program, phase__status=Phase.Status.FINALIZED)
        .select_related("phase")
        .order_by("-phase__order", "-is_official", "-generation", "-id")
        .first()
    )


def _standings_view(user, program, summary, phases, team_names: dict | None = None) -> dict | None:
    """The standings section: the current phase's table when the user may see working standings, else
    the final table of the latest finalized phase, with a note on what is withheld."""
    from evaluations.models import RubricComponent, RubricGate
    from evaluations.permissions import can_view_standings

    current = phases.get(summary["current_phase"]) if summary else None
    if current is None:
        return None
    hidden_phase = None
    if can_view_standings(user, phase=current):
        phase, data = current, summary["standings"]
        if data is not None:
            data = {**data, "phase_generation": current.standings_generation}
    else:
        hidden_phase = current
        snapshot = _final_snapshot(program)
        phase = snapshot.phase if snapshot else None
        data = None
        if snapshot is not None:
            names = team_names
            if names is None:
                names = dict(Consortium.objects.filter(program=program).values_list("pk", "name"))
            data = {
                "computed_at": snapshot.computed_at,
                "age_seconds": int((timezone.now() - snapshot.computed_at).total_seconds()),
                "generation": snapshot.generation,
                "phase_generation": snapshot.generation,
                "is_stale": False,
                "is_official": snapshot.is_official,
                "cut_count": snapshot.cut_count,
                "rows": [
                    {**row, "name": names.get(row["consortium_id"], row["label"])} for row in snapshot.table
                ],
            }
    view = {"phase": phase, "hidden_phase": hidden_phase, "has_table": data is not None}
    if data is None:
        # Inputs exist but no table yet: the first recompute is on its way, so the section polls too.
        first_pending = hidden_phase is None and current.standings_generation > 0
        view.update(
            is_stale=first_pending, pending_changes=current.standings_generation, checked_at=timezone.now()
        )
        return view
    components = list(
        RubricComponent.objects.filter(phase=phase)
        .order_by("order", "key")
        .values_list("key", "name", "weight")
    )
    gates = list(RubricGate.objects.filter(phase=phase).order_by("key").values_list("key", "name"))
    rows = [_standings_row(row, components, gates) for row in data["rows"]]
    ranked = [row for row in rows if row["total"] is not None]
    view.update(
        is_working=phase.status != "finalized",
        computed_at=data["computed_at"],
        age_seconds=data["age_seconds"],
        is_stale=data["is_stale"],
        generation=data["generation"],
        phase_generation=data["phase_generation"],
        pending_changes=max(data["phase_generation"] - data["generation"], 0),
        is_official=data["is_official"],
        cut_count=data["cut_count"],
        checked_at=timezone.now(),
        components=components,
        gates=gates,
        # Every column but the rank: consortium, outcome, the components, total, ratio, threshold, gates.
        column_count=len(components) + len(gates) + 5,
        rows=rows,
        chart=_standings_chart(ranked) if ranked else None,
    )
    return view


def _standings_row(row: dict, components, gates) -> dict:
    from evaluations.selectors import OUTCOME_LABELS, missing_item_text
    from evaluations.standings import Outcome as StandingsOutcome

    points = {c["key"]: c["points"] for c in row["components"]}
    passed = {g["key"]: g["passed"] for g in row["gates"]}
    outcome = StandingsOutcome(row["outcome"])
    return {
        "consortium_id": row["consortium_id"],
        "name": row.get("name") or row["label"],
        "points": [points.get(key) for key, _name, _weight in components],
        "total": row["total"],
        "frontier_ratio": row["frontier_ratio"],
        "meets_threshold": row["meets_frontier_threshold"],
        "gates": [passed.get(key) for key, _name in gates],
        "rank": row["rank"],
        "outcome": outcome.value,
        "outcome_label": OUTCOME_LABELS[outcome],
        # Failing a gate does not take a team out of the ranking; it is shown, not hidden.
        "ranked_but_ineligible": outcome == StandingsOutcome.DISQUALIFIED_BY_GATE and row["rank"] is not None,
        "missing": [missing_item_text(item) for item in row["missing"]],
    }


def _standings_chart(ranked: list[dict]) -> dict:
    return {
        "type": "bar",
        "unit": "points",
        "labels": [row["name"] for row in ranked],
        "datasets": [{"label": _("Total points"), "data": [float(row["total"]) for row in ranked]}],
        "y_title": _("Points"),
    }


# --- Dashboard: budget and GPUs ---------------------------------------------------------------------


def _budget_view(user, program, summary, consortia) -> dict:
    """Staff and auditors see every team; a member the program's lines and their own team's support;
    evaluators nothing of the budget (as in the API)."""
    from budget.models import Category
    from budget.permissions import can_view_budget_lines
    from budget.selectors import burn_rate_by_month
    from consortia.selectors import user_consortium_id

    if not can_view_budget_lines(user):
        return {"budget_hidden": True}
    names = {c.code: c.name for c in consortia}
    every_team = can_read_everything(user)
    own_id = None if every_team else user_consortium_id(user=user)
    own_code = next((c.code for c in consortia if c.pk == own_id), None)
    if not every_team and (own_code is None or not user_has_role(user, Role.CONSORTIUM_MEMBER)):
        return {"budget_hidden": True}
    budget = summary["budget"]

    totals: dict[str, dict] = {}
    for line in budget["lines"]:
        entry = totals.setdefault(
            line["category"],
            {"amount_krw": 0, "allocated_krw": 0, "executed_krw": 0, "pending_krw": 0, "remaining_krw": 0},
        )
        for key in entry:
            entry[key] += line[key]
    labels = dict(Category.choices)
    categories = [
        {"category": code, "label": labels[code], **totals[code]}
        for code in Category.values
        if code in totals
    ]
    support = [r for r in budget["support_by_category"] if every_team or r["consortium"] == own_code]
    gpu = [r for r in summary["gpu"] if every_team or r["consortium"] == own_code]
    if every_team:
        burn = budget["burn_by_month"]
    else:
        burn = [
            {"month": r.month, "executed_krw": r.executed_krw, "pending_krw": r.pending_krw}
            for r in burn_rate_by_month(program_id=program.pk, consortium_id=own_id)
        ]
    return {
        "budget_every_team": every_team,
        "budget_categories": categories,
        "budget_totals": {
            key: sum(c[key] for c in categories)
            for key in ("amount_krw", "allocated_krw", "executed_krw", "pending_krw", "remaining_krw")
        },
        "budget_chart": _budget_chart(categories) if categories else None,
        "support_rows": [
            {
                **r,
                "name": names.get(r["consortium"], r["consortium"]),
                "label": labels.get(r["category"], r["category"]),
            }
            for r in support
        ],
        "burn_rows": burn,
        "burn_chart": _burn_chart(burn) if burn else None,
        "gpu_table": _gpu_table(gpu, names),
        "gpu_chart": _gpu_chart(gpu, names) if gpu else None,
    }


def _budget_chart(categories: list[dict]) -> dict:
    return {
        "type": "bar",
        "unit": "krw",
        "labels": [str(c["label"]) for c in categories],
        "datasets": [
            {"label": _("Allocated"), "data": [c["allocated_krw"] for c in categories]},
            {"label": _("Executed"), "data": [c["executed_krw"] for c in categories]},
            {"label": _("Remaining to allocate"), "data": [c["remaining_krw"] for c in categories]},
        ],
    }


def _burn_chart(burn: list[dict]) -> dict:
    return {
        "type": "bar",
        "unit": "krw",
        "stacked": True,
        "labels": [row["month"].strftime("%Y-%m") for row in burn],
        "datasets": [
            {"label": _("Executed (approved)"), "data": [row["executed_krw"] for row in burn]},
            {"label": _("Pending approval"), "data": [row["pending_krw"] for row in burn]},
        ],
    }


def _gpu_table(gpu: list[dict], names: dict) -> dict:
    """Half-years down, teams across; each cell lists count × model (a team may lease two models)."""
    periods = sorted({r["period"] for r in gpu})
    teams = sorted({r["consortium"] for r in gpu})
    cells: dict = defaultdict(list)
    for r in gpu:
        cells[(r["period"], r["consortium"])].append(r)
    return {
        "teams": [(code, names.get(code, code)) for code in teams],
        "rows": [{"period": p, "cells": [cells.get((p, t), []) for t in teams]} for p in periods],
    }


def _gpu_chart(gpu: list[dict], names: dict) -> dict:
    periods = sorted({r["period"] for r in gpu})
    teams = sorted({r["consortium"] for r in gpu})
    counts: dict = defaultdict(int)
    for r in gpu:
        counts[(r["period"], r["consortium"])] += r["gpu_count"]
    return {
        "type": "bar",
        "unit": "count",
        "labels": periods,
        "datasets": [
            {"label": names.get(team, team), "data": [counts.get((p, team)) or None for p in periods]}
            for team in teams
        ],
        "y_title": _("GPUs"),
    }


def _teams_chart(timeline) -> dict:
    """Chart.js data for "teams per phase" (static/js/portal.js draws it; the timeline table is the text)."""
    evaluated = [entry for entry in timeline if entry.phase.teams_in is not None]
    return {
        "type": "bar",
        "labels": [entry.phase.name for entry in evaluated],
        "datasets": [
            {"label": _("Teams entering"), "data": [entry.phase.teams_in for entry in evaluated]},
            {
                "label": _("Teams advancing (planned)"),
                "data": [entry.phase.teams_advancing for entry in evaluated],
            },
            {
                "label": _("Teams that actually advanced"),
                "data": [
                    sum(1 for t in entry.teams if t.outcome in (Outcome.ADVANCED, Outcome.SELECTED))
                    if entry.phase.status == "finalized"
                    else None
                    for entry in evaluated
                ],
            },
        ],
    }


@require_GET
def healthz(request):
    """Liveness for the container healthcheck: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Audit trail ------------------------------------------------------------------------------------

AUDIT_FILTERS = ("q", "action", "object_type", "object_id", "actor", "occurred_after", "occurred_before")
AUDIT_PAGE_SIZE = 50
# The list never loads the JSON columns; the detail page shows them.
_AUDIT_LIST_FIELDS = (
    "id",
    "occurred_at",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
)


def _audit_exports(params: QueryDict) -> list[tuple[str, str]]:
    query = f"?{params.urlencode()}" if params else ""
    return [
        (fmt.upper(), reverse("export", kwargs={"name": "audit-events", "fmt": fmt}) + query)
        for fmt in ("csv", "xlsx", "json")
    ]


@require_GET
@roles_required(READERS)
def audit_list_view(request):
    """The audit trail, newest first, filtered by the API's AuditEventFilterSet. Pages go by id ("older
    than #n"), so no page costs a COUNT over the whole table."""
    from common.filters import AuditEventFilterSet
    from common.models import AuditEvent
    from common.selectors import audit_event_list

    params = query_subset(request.GET, AUDIT_FILTERS)
    filterset = AuditEventFilterSet(params or None, queryset=audit_event_list())
    events = filterset.qs.only(*_AUDIT_LIST_FIELDS).order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    page = list(events[: AUDIT_PAGE_SIZE + 1])
    older = None
    if len(page) > AUDIT_PAGE_SIZE:
        page = page[:AUDIT_PAGE_SIZE]
        older_params = params.copy()
        older_params["before"] = str(page[-1].pk)
        older = f"?{older_params.urlencode()}"
    context = {
        "events": page,
        "older_url": older,
        "newest_url": f"?{params.urlencode()}" if before.isdigit() else None,
        "params": params,
        "filterset": filterset,
        "is_filtered": bool(params),
        "action_choices": AuditEvent.Action.choices,
        "selected_actions": params.getlist("action"),
        "export_links": _audit_exports(params),
    }
    return render(request, "audit/event_list.html", context)


def _pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _changes(before, after) -> list[tuple[str, str, str]]:
    """Fields whose value differs between before and after (both dicts), as compact JSON."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = sorted(set(before) | set(after))
    compact = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
    return [
        (
            key,
            compact(before.get(key)) if key in before else "—",
            compact(after.get(key)) if key in after else "—",
        )
        for key in keys
        if before.get(key, object()) != after.get(key, object())
    ]


@require_GET
@roles_required(READERS)
def audit_detail_view(request, pk: int):
    from common.models import AuditEvent

    event = AuditEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    context = dict(event.context or {})
    extra = context.pop("extra", None)
    related = QueryDict(mutable=True)
    related.update({"object_type": event.object_type, "object_id": event.object_id})
    return render(
        request,
        "audit/event_detail.html",
        {
            "event": event,
            "before_json": _pretty_json(event.before) if event.before is not None else None,
            "after_json": _pretty_json(event.after) if event.after is not None else None,
            "changes": _changes(event.before, event.after),
            "request_context": sorted(context.items()),
            "extra_json": _pretty_json(extra) if extra is not None else None,
            "related_query": related.urlencode() if event.object_id else None,
        },
    )


@require_GET
@roles_required(READERS)
def audit_verify_view(request):
    """Walk the whole hash chain now (on demand: it reads every event). htmx gets the status box only."""
    from common.audit import audit_chain_verify

    checked, broken, reason = audit_chain_verify()
    context = {
        "verified": {"checked": checked, "broken": broken, "reason": reason, "at": timezone.now()},
    }
    fragment = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    return render(request, "audit/_chain_status.html" if fragment else "audit/chain_verify.html", context)
