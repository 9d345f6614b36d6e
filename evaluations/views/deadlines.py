"""Ministry staff's deadlines page of a phase: the results-submission and scoring deadlines (typed in KST),
and the teams' extensions (grant, move, withdraw). Each form goes through common.web.form_submit to the
deadline services, whose refusals show next to the field they name."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.roles import STAFF
from common.web import form_submit, roles_required
from evaluations import services
from evaluations.deadlines import kst_text
from evaluations.forms import DeadlineExtensionForm, DeadlineExtensionRevokeForm, PhaseDeadlinesForm
from evaluations.selectors import deadline_extension_list_visible_to
from evaluations.ui_selectors import participant_teams
from evaluations.views.phases import _detail_or_404
from evaluations.views.staff import _finalized_redirect

FORMS = ("deadlines", "extension", "revoke")


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def phase_deadlines_view(request, pk: int):
    detail = _detail_or_404(pk)
    phase = detail.phase
    if phase.is_finalized:
        return _finalized_redirect(request, phase)
    kind = request.POST.get("kind") if request.method == "POST" else None
    if request.method == "POST" and kind not in FORMS:
        raise Http404
    extensions = deadline_extension_list_visible_to(user=request.user).filter(phase=phase)
    deadlines_form = PhaseDeadlinesForm(
        request.POST if kind == "deadlines" else None,
        initial={
            "submission_deadline": phase.submission_deadline,
            "scoring_deadline": phase.scoring_deadline,
        },
        prefix="deadlines",
    )
    extension_form = DeadlineExtensionForm(
        request.POST if kind == "extension" else None,
        teams=participant_teams(phase=phase),
        prefix="extension",
    )
    revoke_form = DeadlineExtensionRevokeForm(
        request.POST if kind == "revoke" else None, extensions=extensions, prefix="revoke"
    )
    done = None
    if kind == "deadlines":
        done = form_submit(
            request,
            deadlines_form,
            lambda data: services.phase_deadlines_set(
                phase=phase,
                submission_deadline=data["submission_deadline"],
                scoring_deadline=data["scoring_deadline"],
                actor=request.user,
            ),
            lambda _phase, _data: _("The deadlines of %(phase)s are saved.") % {"phase": phase},
        )
    elif kind == "extension":
        done = form_submit(
            request,
            extension_form,
            lambda data: services.deadline_extension_grant(
                phase=phase,
                consortium=data["consortium"],
                deadline=data["deadline"],
                reason=data["reason"],
                actor=request.user,
            ),
            lambda extension, _data: (
                _("%(team)s may upload results for %(phase)s until %(deadline)s.")
                % {"team": extension.consortium, "phase": phase, "deadline": kst_text(extension.deadline)}
            ),
        )
    elif kind == "revoke":
        done = form_submit(
            request,
            revoke_form,
            lambda data: services.deadline_extension_revoke(extension=data["extension"], actor=request.user),
            lambda extension, _data: (
                _("The extension of %(team)s is withdrawn.") % {"team": extension.consortium}
            ),
        )
    if done is not None:
        return redirect("evaluations:deadlines", pk=phase.pk)
    return render(
        request,
        "evaluations/deadlines.html",
        {
            "detail": detail,
            "phase": phase,
            "deadlines_form": deadlines_form,
            "extension_form": extension_form,
            "revoke_form": revoke_form,
            "extensions": list(extensions),
        },
    )
