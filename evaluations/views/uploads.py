"""The consortium upload page: results for the open phases the member's team takes part in, GPU usage, the
template files, and the history of both. The team is always the member's own (from their affiliation),
never a URL parameter; stored files and templates of another team are 404s."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from budget.selectors import gpu_usage_report_list_visible_to
from budget.services import gpu_usage_upload
from common.forms import form_errors_from
from common.roles import MEMBERS, TEAM_READERS
from common.uploads import UploadRejected
from common.web import query_subset, roles_required
from consortia.permissions import member_team
from evaluations import services
from evaluations.filters import ResultUploadFilterSet
from evaluations.forms import GpuUsageUploadForm, ResultUploadForm
from evaluations.selectors import phase_benchmarks_for_team, result_upload_list_visible_to
from evaluations.ui_selectors import gpu_report_history, open_phases_for_team, result_upload_history
from evaluations.uploads import ResultFileRejected

HISTORY_LIMIT = 50
# Excel (Korean Windows) reads a CSV as CP949 unless it starts with a UTF-8 byte order mark.
BOM = "\ufeff"
RESULT_HEADER = "benchmark,score,model_version,notes"
GPU_HEADER = "month,gpu_model,gpu_hours,notes"


def _csv_response(text: str, filename: str) -> HttpResponse:
    response = HttpResponse((BOM + text).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "POST"])
@roles_required(TEAM_READERS)
def upload_view(request):
    team = member_team(request.user)
    phases = open_phases_for_team(consortium_id=team.pk if team else None)
    results_form = ResultUploadForm(phases=phases, prefix="results")
    gpu_form = GpuUsageUploadForm(prefix="gpu")
    rejection = None
    if request.method == "POST":
        if team is None:
            raise PermissionDenied
        kind = request.POST.get("kind")
        try:
            if kind == "results":
                results_form = ResultUploadForm(request.POST, request.FILES, phases=phases, prefix="results")
                if results_form.is_valid():
                    upload = services.result_upload_create(
                        phase=results_form.cleaned_data["phase"],
                        consortium=team,
                        file=results_form.cleaned_data["file"],
                        actor=request.user,
                    )
                    messages.success(
                        request,
                        _("%(file)s is now %(team)s's current results for %(phase)s (%(rows)s rows).")
                        % {
                            "file": upload.display_name,
                            "team": team.code,
                            "phase": upload.phase,
                            "rows": upload.row_count,
                        },
                    )
                    return redirect("evaluations:upload")
            elif kind == "gpu":
                gpu_form = GpuUsageUploadForm(request.POST, request.FILES, prefix="gpu")
                if gpu_form.is_valid():
                    report = gpu_usage_upload(
                        consortium=team, file=gpu_form.cleaned_data["file"], actor=request.user
                    )
                    messages.success(
                        request,
                        _("GPU usage file %(file)s stored (%(rows)s rows).")
                        % {"file": report.filename, "rows": report.row_count},
                    )
                    return redirect("evaluations:upload")
            else:
                raise Http404
        except (ResultFileRejected, UploadRejected) as exc:
            rejection = {"kind": kind, "filename": exc.filename, "errors": exc.errors}
        except ValidationError as exc:
            form_errors_from(results_form if kind == "results" else gpu_form, exc)
    params = query_subset(request.GET, ("phase", "consortium"))
    uploads = ResultUploadFilterSet(params or None, queryset=result_upload_history(user=request.user)).qs
    return render(
        request,
        "evaluations/upload.html",
        {
            "team": team,
            "phases": list(phases),
            "results_form": results_form,
            "gpu_form": gpu_form,
            "rejection": rejection,
            "uploads": list(uploads[:HISTORY_LIMIT]),
            "gpu_reports": list(gpu_report_history(user=request.user)[:HISTORY_LIMIT]),
            "history_limit": HISTORY_LIMIT,
        },
    )


@require_GET
@roles_required(MEMBERS)
def result_template_view(request, phase_pk: int):
    """The results template of an open phase the member's team takes part in: one row per benchmark code
    of the team's set, scores left blank."""
    team = member_team(request.user)
    phase = open_phases_for_team(consortium_id=team.pk if team else None).filter(pk=phase_pk).first()
    if phase is None:
        raise Http404
    lines = [RESULT_HEADER] + [
        f"{benchmark.code},,," for benchmark in phase_benchmarks_for_team(phase=phase, consortium=team)
    ]
    return _csv_response("\r\n".join(lines) + "\r\n", f"results-{phase.code}-{team.code}.csv")


@require_GET
@roles_required(MEMBERS)
def gpu_usage_template_view(request):
    return _csv_response(GPU_HEADER + "\r\n", "gpu-usage.csv")


@require_GET
@roles_required(TEAM_READERS)
def result_upload_file_view(request, pk: int):
    upload = result_upload_list_visible_to(user=request.user).filter(pk=pk).first()
    if upload is None:
        raise Http404
    return FileResponse(upload.file.open("rb"), as_attachment=True, filename=upload.display_name)


@require_GET
@roles_required(TEAM_READERS)
def gpu_report_file_view(request, pk: int):
    report = gpu_usage_report_list_visible_to(user=request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    return FileResponse(report.file.open("rb"), as_attachment=True, filename=report.filename)
