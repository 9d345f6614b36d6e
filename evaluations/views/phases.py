"""Phase list, phase page (rubric, benchmark set, standings), transition previews (open, begin
evaluation, finalize) with their confirmation, and what-if."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from budget.models import Allocation
from budget.selectors import allocation_list_visible_to
from common.filter_forms import filter_form
from common.forms import form_errors_from
from common.roles import READERS, STAFF
from common.web import query_subset, roles_required
from consortia.permissions import member_team
from evaluations import services
from evaluations import standings as pure
from evaluations.filters import PhaseFilterSet
from evaluations.forms import WhatIfForm
from evaluations.models import Phase
from evaluations.permissions import can_manage_phase, can_run_what_if, can_view_standings
from evaluations.selectors import phase_list, standings_view
from evaluations.services import Transition
from evaluations.ui_selectors import phase_detail_for_ui
from evaluations.views._display import display_rows, outcome_label


def _detail_or_404(pk: int):
    try:
        return phase_detail_for_ui(phase_id=pk)
    except Phase.DoesNotExist:
        raise Http404 from None


def _standings_context(detail, rows: Iterable[pure.Row]) -> dict:
    components = detail.components
    return {
        "components": [(c.key, c.name, c.weight) for c in components],
        "gates": [(g.key, g.name) for g in detail.gates],
        "colspan": len(components) + len(detail.gates) + 4,
        "rows": display_rows(rows, component_keys=[c.key for c in components], team_names=detail.team_names),
    }


@require_GET
@roles_required()
def phase_list_view(request):
    params = query_subset(request.GET, ("status",))
    filterset = PhaseFilterSet(params or None, queryset=phase_list().order_by("program_id", "order"))
    phases = list(filterset.qs)
    return render(
        request,
        "evaluations/phase_list.html",
        {
            "phases": phases,
            "filter_form": filter_form(filterset, ("status",)),
            "is_filtered": bool(params),
        },
    )


@require_GET
@roles_required()
def phase_detail_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    context = {
        "detail": detail,
        "phase": phase,
        "can_manage": can_manage_phase(request.user) and not phase.is_finalized,
        "can_set_up": can_manage_phase(request.user),
        # Staff see the one transition that can follow the phase's status, linked to its preview.
        "next_transition": services.transition_next(phase=phase) if can_manage_phase(request.user) else None,
        "can_what_if": can_run_what_if(request.user),
        "can_view_standings": can_view_standings(request.user, phase=phase),
        # A member sees the deadline their team faces (its extension when later); only read when it matters.
        "member_team": member_team(request.user) if phase.submission_deadline else None,
    }
    if context["can_view_standings"]:
        view = standings_view(phase_id=phase.pk, user=request.user)
        context["standings"] = view
        if view.snapshot is not None:
            context["table"] = _standings_context(detail, view.snapshot.rows())
    return render(request, "evaluations/phase_detail.html", context)


# The service that performs each transition (the page and the API call the same ones).
_TRANSITION_SERVICES = {
    Transition.OPEN: services.phase_open,
    Transition.BEGIN_EVALUATION: services.phase_begin_evaluation,
    Transition.FINALIZE: services.phase_finalize,
}


def _transition_done_message(transition: Transition, phase: Phase) -> str:
    texts = {
        Transition.OPEN: _("%(phase)s is open: members can upload results and evaluators can score."),
        Transition.BEGIN_EVALUATION: _(
            "The evaluation of %(phase)s has begun: uploads are closed and the weights are frozen."
        ),
        Transition.FINALIZE: _("%(phase)s is finalized; its standings are now official."),
    }
    return texts[transition] % {"phase": phase}


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def phase_transition_view(request, pk: str, transition: str):
    """The preview of one transition (what changes, what blocks it, the readiness grid) and its POST
    confirmation. The service refuses with the very blockers the preview lists."""
    try:
        step = Transition(transition)
    except ValueError:
        raise Http404 from None
    detail = _detail_or_404(int(pk))
    phase = detail.phase
    if phase.is_finalized:
        messages.info(request, _("%(phase)s is already finalized.") % {"phase": phase})
        return redirect("evaluations:phase", pk=phase.pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            _TRANSITION_SERVICES[step](phase=phase, actor=request.user)
        except PermissionDenied:
            raise
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _transition_done_message(step, phase))
            return redirect("evaluations:phase", pk=phase.pk)
        detail = _detail_or_404(int(pk))
        phase = detail.phase
    preview = services.phase_transition_preview(phase=phase, transition=step)
    context = {
        "detail": detail,
        "phase": phase,
        "transition": step,
        "check": preview.check,
        "readiness": preview.readiness,
        "errors": errors,
    }
    if preview.finalize is not None:
        context.update(_finalize_context(request, detail, preview.finalize))
    return render(request, "evaluations/phase_transition.html", context)


def _finalize_context(request, detail, preview: services.FinalizePreview) -> dict:
    """The outcomes finalizing would record and the allocations it would freeze."""
    names = detail.team_names
    leaving = preview.eliminated_on_points + preview.disqualified_by_gate
    frozen = list(
        allocation_list_visible_to(user=request.user)
        .filter(consortium__code__in=leaving, status=Allocation.Status.ACTIVE)
        .order_by("consortium__code", "line__code", "period_start")
    )
    return {
        "preview": preview,
        "advancing": [names.get(code, code) for code in preview.advancing],
        "eliminated": [names.get(code, code) for code in preview.eliminated_on_points],
        "disqualified": [names.get(code, code) for code in preview.disqualified_by_gate],
        "table": _standings_context(detail, preview.table.rows),
        "frozen": frozen,
    }


@require_GET
@roles_required(READERS)
def phase_what_if_view(request, pk: int):
    detail = _detail_or_404(pk)
    if not can_run_what_if(request.user):
        raise PermissionDenied
    form = WhatIfForm(request.GET or None, components=detail.components)
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = services.standings_what_if(
                phase=detail.phase, weights=form.weights(), cut_count=form.cleaned_data.get("cut_count")
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
    context = {"detail": detail, "phase": detail.phase, "form": form, "result": result}
    if result is not None:
        names = detail.team_names
        context["table"] = _standings_context(detail, result.table.rows)
        context["changes"] = [
            (names.get(code, code), outcome_label(old), outcome_label(new))
            for code, old, new in result.changes
        ]
        context["sensitivity"] = [
            (
                *s.removed.split(":", 1),
                [(names.get(c, c), outcome_label(old), outcome_label(new)) for c, old, new in s.changes],
            )
            for s in result.sensitivity
        ]
    return render(request, "evaluations/phase_what_if.html", context)
