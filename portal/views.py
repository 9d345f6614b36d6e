"""The dashboard: program timeline, standings, budget and GPUs on one page, for every role.

Its figures come from the same cached summary as /api/v1/dashboard/summary/ (portal.dashboard)."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from budget.models import Category
from budget.permissions import can_view_budget_lines
from budget.selectors import burn_rate_by_month
from common.roles import STAFF, can_read_everything
from common.web import form_submit, roles_required
from consortia.forms import ConsortiumWithdrawForm
from consortia.models import Consortium
from consortia.permissions import can_view_team_data
from consortia.selectors import user_affiliation
from consortia.ui_selectors import consortium_list_for_ui, program_current
from evaluations import standings as pure
from evaluations.models import Phase, RubricComponent, RubricGate
from evaluations.permissions import can_view_working_standings
from evaluations.selectors import missing_item_text, outcome_label, standings_official_for
from portal.dashboard import dashboard_summary
from portal.selectors import consortium_withdrawal_preview
from portal.services import consortium_withdraw
from portal.timeline import TimelineStatus, program_timeline


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

    phases = {phase.code: phase for phase in Phase.objects.filter(program=program)}
    context = {"standings": _standings_view(request.user, program, summary, phases), "polled": True}
    return render(request, "dashboard/_standings.html", context)


# --- Dashboard: standings ---------------------------------------------------------------------------


def _standings_view(user, program, summary, phases, team_names: dict | None = None) -> dict | None:
    """The standings section: the current phase's table when the user may see working standings, else
    the program's official table (the final table of the latest finalized phase), with a note on what is
    withheld while the current phase is not finalized."""

    current = phases.get(summary["current_phase"]) if summary else None
    if current is None:
        return None
    hidden_phase = None
    if can_view_working_standings(user):
        phase, data = current, summary["standings"]
        if data is not None:
            # The cached summary keeps its rows as JSON (the API sends it as it is), with the team's name.
            rows = [(pure.Row.from_dict(row), row["name"]) for row in data["rows"]]
            data = {**data, "phase_generation": current.standings_generation, "rows": rows}
    else:
        hidden_phase = None if current.is_finalized else current
        snapshot = standings_official_for(user=user, program_id=program.pk)
        phase = snapshot.phase if snapshot else (None if hidden_phase else current)
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
                "rows": [(row, names.get(row.consortium_id, row.label)) for row in snapshot.rows()],
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
    rows = [_standings_row(row, name, components, gates) for row, name in data["rows"]]
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


def _standings_row(row: pure.Row, name: str, components, gates) -> dict:
    points = row.points_by_component
    passed = row.passed_by_gate
    return {
        "consortium_id": row.consortium_id,
        "name": name or row.label,
        "points": [points.get(key) for key, _name, _weight in components],
        "total": row.total,
        "frontier_ratio": row.frontier_ratio,
        "meets_threshold": row.meets_frontier_threshold,
        "gates": [passed.get(key) for key, _name in gates],
        "rank": row.rank,
        "outcome": row.outcome.value,
        "outcome_label": outcome_label(row.outcome),
        # Failing a gate does not take a team out of the ranking; it is shown, not hidden.
        "ranked_but_ineligible": row.ranked_but_ineligible,
        "missing": [missing_item_text(item) for item in row.missing],
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

    if not can_view_budget_lines(user):
        return {"budget_hidden": True}
    names = {c.code: c.name for c in consortia}
    every_team = can_read_everything(user)
    visible_codes = {c.code for c in consortia if can_view_team_data(user, c.pk)}
    if not every_team and not visible_codes:  # a member whose team is not in this program
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
    support = [r for r in budget["support_by_category"] if r["consortium"] in visible_codes]
    gpu = [r for r in summary["gpu"] if r["consortium"] in visible_codes]
    if every_team:
        # The cached summary's program-wide figures are exactly what staff and auditors may see.
        burn = budget["burn_by_month"]
    else:
        burn = [
            {"month": r.month, "executed_krw": r.executed_krw, "pending_krw": r.pending_krw}
            for r in burn_rate_by_month(program_id=program.pk, visible_to=user)
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
                    sum(
                        1
                        for t in entry.teams
                        if t.status in (TimelineStatus.ADVANCED, TimelineStatus.SELECTED)
                    )
                    if entry.phase.status == "finalized"
                    else None
                    for entry in evaluated
                ],
            },
        ],
    }


# --- A team's withdrawal ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def consortium_withdraw_view(request, pk: int):
    """GET: what the withdrawal will change, and the form (date, written reason, confirmation); POST: record
    it through portal.services.consortium_withdraw."""
    consortium = get_object_or_404(Consortium.objects.select_related("lead"), pk=pk)
    form = ConsortiumWithdrawForm(request.POST or None)
    if request.method == "POST" and form_submit(
        request,
        form,
        lambda data: consortium_withdraw(
            consortium=consortium, left_on=data["left_on"], reason=data["reason"], actor=request.user
        ),
        lambda team, _data: (
            _("%(team)s is recorded as withdrawn on %(date)s.")
            % {"team": team, "date": team.left_on.isoformat()}
        ),
    ):
        return redirect("consortia:detail", pk=consortium.pk)
    return render(
        request,
        "portal/consortium_withdraw.html",
        {
            "form": form,
            "consortium": consortium,
            "preview": consortium_withdrawal_preview(consortium=consortium),
        },
    )
