"""Evaluators' pages: their assignments and the score sheet of each assigned team.

A sheet someone else sees is a 404 (score_sheet_list_visible_to decides), so its existence is not
revealed. A save carries the version the form was loaded at; when someone saved since, the service refuses
and the page shows the saved values next to the evaluator's unsaved ones, with the version field moved on
so that saving again applies theirs on purpose."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from common.forms import form_errors_from
from common.roles import SCORING_READERS
from common.web import query_subset, roles_required
from evaluations import services
from evaluations.filters import EvaluatorAssignmentFilterSet
from evaluations.forms import ScoreSheetForm
from evaluations.permissions import can_edit_score_sheet
from evaluations.selectors import assignment_list_visible_to, score_sheet_list_visible_to
from evaluations.ui_selectors import evaluator_criteria


@require_GET
@roles_required(SCORING_READERS)
def my_assignments_view(request):
    params = query_subset(request.GET, ("phase",))
    base = assignment_list_visible_to(user=request.user).order_by(
        "-phase__order", "consortium__code", "evaluator__username"
    )
    filterset = EvaluatorAssignmentFilterSet(params or None, queryset=base)
    return render(request, "evaluations/my_assignments.html", {"assignments": list(filterset.qs)})


def _sheet_or_404(user, pk: int):
    sheet = score_sheet_list_visible_to(user=user).filter(pk=pk).first()
    if sheet is None:
        raise Http404
    return sheet


def _initial(sheet, saved) -> dict:
    initial = {"version": sheet.version}
    for criterion_id, score in saved.items():
        initial[f"points_{criterion_id}"] = score.points
        initial[f"comment_{criterion_id}"] = score.comment
    return initial


@require_http_methods(["GET", "POST"])
@roles_required(SCORING_READERS)
def score_sheet_view(request, pk: int):
    sheet = _sheet_or_404(request.user, pk)
    phase = sheet.assignment.phase
    criteria = evaluator_criteria(phase=phase)
    can_edit = can_edit_score_sheet(request.user, sheet=sheet)
    saved = {s.criterion_id: s for s in sheet.scores.all()}
    stale = None
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        form = ScoreSheetForm(request.POST, criteria=criteria)
        if form.is_valid():
            submit = "submit" in request.POST
            try:
                services.score_sheet_save(
                    sheet=sheet,
                    actor=request.user,
                    expected_version=form.cleaned_data["version"],
                    scores=[
                        services.ScoreInput(cid, points, comment) for cid, points, comment in form.entered()
                    ],
                    submit=submit,
                )
            except ValidationError as exc:
                if getattr(exc, "code", None) != "stale":
                    form_errors_from(form, exc)
                else:
                    # Someone saved since this form was loaded: show both, keep the user's values in the
                    # inputs and move the version on, so saving again applies them deliberately.
                    sheet = _sheet_or_404(request.user, pk)
                    saved = {s.criterion_id: s for s in sheet.scores.all()}
                    data = request.POST.copy()
                    data["version"] = str(sheet.version)
                    form = ScoreSheetForm(data, criteria=criteria)
                    form.is_valid()
                    stale = {
                        "message": exc.messages[0],
                        "version": sheet.version,
                        "status": sheet.get_status_display(),
                        "updated_at": sheet.updated_at,
                        "rows": [
                            {
                                "criterion": c,
                                "saved": saved.get(c.pk),
                                "yours_points": form.cleaned_data.get(f"points_{c.pk}"),
                                "yours_comment": form.cleaned_data.get(f"comment_{c.pk}", ""),
                            }
                            for c in criteria
                        ],
                    }
            else:
                if submit:
                    messages.success(request, _("Score sheet submitted."))
                else:
                    messages.success(request, _("Draft saved."))
                return redirect("evaluations:sheet", pk=sheet.pk)
    else:
        form = ScoreSheetForm(initial=_initial(sheet, saved), criteria=criteria)
    total_max = sum((c.max_points for c in criteria), 0)
    return render(
        request,
        "evaluations/score_sheet.html",
        {
            "sheet": sheet,
            "assignment": sheet.assignment,
            "phase": phase,
            "form": form,
            "can_edit": can_edit,
            "saved_rows": [(c, saved.get(c.pk)) for c in criteria],
            "total_max": total_max,
            "stale": stale,
        },
    )
