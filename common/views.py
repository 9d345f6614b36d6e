from __future__ import annotations

from collections import Counter
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common.api.permissions import ALL_ROLES, effective_roles
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
        # Wave 2 adds "standings", "budget_summary" and "gpu_chart" here when their services exist; the
        # template renders each section only when its key is present.
    return render(request, "dashboard.html", context)


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
