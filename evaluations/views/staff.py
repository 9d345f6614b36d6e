"""Ministry staff's forms on a phase: evaluator assignments (with conflicts shown before submitting), gate
decisions and panel results. The services decide; their refusals are shown on the form."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.roles import Role
from common.web import form_submit, roles_required
from evaluations import services
from evaluations.forms import AssignmentForm, GateDecisionForm, PanelResultForm
from evaluations.models import Phase
from evaluations.selectors import assignment_list_visible_to
from evaluations.ui_selectors import (
    assignment_conflicts,
    evaluator_users,
    gate_results_for,
    panel_components,
    panel_results_for,
    participant_teams,
)
from evaluations.views.phases import _detail_or_404

STAFF = frozenset({Role.MINISTRY_STAFF})


def _finalized_redirect(request, phase: Phase):
    messages.error(request, _("%(phase)s is finalized and can no longer be changed.") % {"phase": phase})
    return redirect("evaluations:phase", pk=phase.pk)


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def assignment_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    if phase.is_finalized:
        return _finalized_redirect(request, phase)
    teams = participant_teams(phase=phase)
    evaluators = evaluator_users()
    form = AssignmentForm(request.POST or None, evaluators=evaluators, teams=teams)
    if request.method == "POST" and form_submit(
        request,
        form,
        lambda data: services.evaluator_assign(
            phase=phase, consortium=data["consortium"], evaluator=data["evaluator"], actor=request.user
        ),
        lambda _assignment, data: (
            _("%(user)s is assigned to %(team)s.") % {"user": data["evaluator"], "team": data["consortium"]}
        ),
    ):
        return redirect("evaluations:assign", pk=phase.pk)
    team_list = list(teams)
    assignments = list(
        assignment_list_visible_to(user=request.user)
        .filter(phase=phase)
        .order_by("consortium__code", "evaluator__username")
    )
    return render(
        request,
        "evaluations/assignments.html",
        {
            "detail": detail,
            "phase": phase,
            "form": form,
            "teams": team_list,
            "conflict_rows": assignment_conflicts(evaluators=list(evaluators), teams=team_list),
            "assignments": assignments,
        },
    )


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def gate_decision_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    if phase.is_finalized:
        return _finalized_redirect(request, phase)
    form = GateDecisionForm(
        request.POST or None, gates=detail.phase.gates.order_by("key"), teams=participant_teams(phase=phase)
    )
    if request.method == "POST" and form_submit(
        request,
        form,
        lambda data: services.gate_result_record(
            gate=data["gate"],
            consortium=data["consortium"],
            passed=data["decision"] == "pass",
            reason=data["reason"],
            evidence=data["evidence"],
            actor=request.user,
        ),
        lambda _result, data: (
            _("Gate %(gate)s recorded for %(team)s.")
            % {"gate": data["gate"].name, "team": data["consortium"]}
        ),
    ):
        return redirect("evaluations:gates", pk=phase.pk)
    results = list(gate_results_for(phase=phase))
    return render(
        request,
        "evaluations/gates.html",
        {"detail": detail, "phase": phase, "form": form, "results": results},
    )


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def panel_result_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    if phase.is_finalized:
        return _finalized_redirect(request, phase)
    form = PanelResultForm(
        request.POST or None, components=panel_components(phase=phase), teams=participant_teams(phase=phase)
    )
    if request.method == "POST" and form_submit(
        request,
        form,
        lambda data: services.panel_result_record(
            phase=phase,
            consortium=data["consortium"],
            component=data["component"],
            points=data["points"],
            panel_size=data["panel_size"],
            note=data["note"],
            actor=request.user,
        ),
        lambda _result, data: _("Panel result for %(team)s recorded.") % {"team": data["consortium"]},
    ):
        return redirect("evaluations:panel", pk=phase.pk)
    results = list(panel_results_for(phase=phase))
    return render(
        request,
        "evaluations/panel.html",
        {"detail": detail, "phase": phase, "form": form, "results": results},
    )
