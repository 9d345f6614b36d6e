"""Browser pages for the budget: parse → call a budget service or selector → render.

The lists use the API's FilterSets (budget.filters) over the same scoped selectors, so ?category=gpu
means the same here, in /api/v1/ and in the exports. Writes go through budget.services only; a service's
ValidationError is shown on the form and nothing is saved. Visibility: staff and auditors see every team,
a consortium member only their own (another team's allocation or spending is a 404), evaluators nothing.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from budget import services
from budget.filters import AllocationFilterSet, BudgetLineFilterSet, ExecutionFilterSet, GpuUsageFilterSet
from budget.forms import AllocationForm, AmendForm, ApproveForm, ExecutionForm, RejectForm
from budget.models import Allocation, BudgetLine, Category, Execution
from budget.permissions import (
    can_approve_execution,
    can_manage_budget,
    can_record_execution,
    can_upload_gpu_usage,
)
from budget.selectors import (
    allocation_list_visible_to,
    allocation_room,
    budget_line_amendment_list,
    budget_line_figures,
    execution_list_visible_to,
    gpu_usage_list_visible_to,
    gpu_usage_report_list_visible_to,
)
from common.roles import Role, can_read_everything, is_ministry_staff, user_has_role
from common.web import form_submit, query_subset, roles_required
from consortia.models import Consortium
from consortia.selectors import user_consortium_id
from consortia.ui_selectors import program_current

BUDGET_READERS = frozenset({Role.MINISTRY_STAFF, Role.AUDITOR, Role.CONSORTIUM_MEMBER})
STAFF = frozenset({Role.MINISTRY_STAFF})
RECORDERS = frozenset({Role.MINISTRY_STAFF, Role.CONSORTIUM_MEMBER})
PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx", "json")


# --- helpers --------------------------------------------------------------------------------------------


def _program():
    program = program_current()
    if program is None:
        raise Http404(_("No program is loaded yet."))
    return program


def _export_links(name: str, params: QueryDict) -> list[tuple[str, str]]:
    query = f"?{params.urlencode()}" if params else ""
    return [
        (fmt.upper(), reverse("export", kwargs={"name": name, "fmt": fmt}) + query) for fmt in EXPORT_FORMATS
    ]


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return fallback


def _filter_context(filterset, params: QueryDict) -> dict:
    return {
        "filterset": filterset,
        "params": params,
        "is_filtered": bool(params),
        "selected_categories": params.getlist("category"),
        "selected_statuses": params.getlist("status"),
        "category_choices": Category.choices,
    }


# --- budget lines ---------------------------------------------------------------------------------------


@require_GET
@roles_required(BUDGET_READERS)
def line_list_view(request):
    program = _program()
    params = query_subset(request.GET, ("q", "category", "fiscal_year"))
    filterset = BudgetLineFilterSet(params or None, queryset=budget_line_figures(program_id=program.pk))
    lines = list(filterset.qs)
    totals = {
        key: sum(getattr(line, key) for line in lines)
        for key in ("amount_krw", "allocated_krw", "executed_krw", "pending_krw", "remaining_krw")
    }
    years = (
        BudgetLine.objects.filter(program=program)
        .order_by("fiscal_year")
        .values_list("fiscal_year", flat=True)
    )
    context = {
        "lines": lines,
        "totals": totals,
        "fiscal_years": sorted(set(years)),
        "can_manage": can_manage_budget(request.user),
        **_filter_context(filterset, params),
    }
    return render(request, "budget/line_list.html", context)


def _line_or_404(program, pk: int) -> BudgetLine:
    line = budget_line_figures(program_id=program.pk).filter(pk=pk).first()
    if line is None:
        raise Http404
    return line


def _line_detail(request, line: BudgetLine, amend_form: AmendForm | None, status: int = 200):
    allocations = list(
        allocation_list_visible_to(user=request.user, program_id=line.program_id)
        .filter(line=line)
        .order_by("period_start", "consortium__code", "id")
    )
    if amend_form is None and can_manage_budget(request.user):
        amend_form = AmendForm()
    context = {
        "line": line,
        "amendments": list(budget_line_amendment_list(line_id=line.pk)),
        "allocations": allocations,
        "sees_every_team": can_read_everything(request.user),
        "form": amend_form,
        "can_allocate": can_manage_budget(request.user),
    }
    return render(request, "budget/line_detail.html", context, status=status)


@require_GET
@roles_required(BUDGET_READERS)
def line_detail_view(request, pk: int):
    return _line_detail(request, _line_or_404(_program(), pk), None)


@require_POST
@roles_required(STAFF)
def line_amend_view(request, pk: int):
    line = _line_or_404(_program(), pk)
    form = AmendForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.budget_line_amend(line=line, actor=request.user, **data),
        lambda amendment, _data: (
            _("Line %(line)s amended: ₩%(old)s → ₩%(new)s.")
            % {
                "line": line.code,
                "old": f"{amendment.old_amount_krw:,}",
                "new": f"{amendment.new_amount_krw:,}",
            }
        ),
    ):
        return redirect("budget:line-detail", pk=line.pk)
    return _line_detail(request, _line_or_404(line.program, pk), form)


# --- allocations ----------------------------------------------------------------------------------------

ALLOCATION_FILTERS = ("consortium", "line", "category", "status", "fiscal_year", "active_on")


@require_GET
@roles_required(BUDGET_READERS)
def allocation_list_view(request):
    program = _program()
    params = query_subset(request.GET, ALLOCATION_FILTERS)
    base = allocation_list_visible_to(user=request.user, program_id=program.pk)
    filterset = AllocationFilterSet(params or None, queryset=base)
    ordered = filterset.qs.order_by(
        "line__fiscal_year", "line__code", "consortium__code", "period_start", "id"
    )
    page = Paginator(ordered, PAGE_SIZE).get_page(request.GET.get("page"))
    sees_every_team = can_read_everything(request.user)
    context = {
        "page": page,
        "allocations": list(page.object_list),
        "sees_every_team": sees_every_team,
        "consortia": Consortium.objects.filter(program=program).order_by("code") if sees_every_team else [],
        "line_codes": BudgetLine.objects.filter(program=program).order_by("fiscal_year", "code"),
        "status_choices": Allocation.Status.choices,
        "can_allocate": can_manage_budget(request.user),
        **_filter_context(filterset, params),
    }
    return render(request, "budget/allocation_list.html", context)


def _allocation_or_404(request, pk: int) -> Allocation:
    allocation = allocation_list_visible_to(user=request.user).filter(pk=pk).first()
    if allocation is None:
        raise Http404
    return allocation


@require_GET
@roles_required(BUDGET_READERS)
def allocation_detail_view(request, pk: int):
    allocation = _allocation_or_404(request, pk)
    executions = list(execution_list_visible_to(user=request.user).filter(allocation=allocation))
    spent = allocation.executed_krw + allocation.pending_krw
    context = {
        "allocation": allocation,
        "executions": executions,
        "left_krw": allocation.available_krw - spent,
        "can_record": can_record_execution(request.user, allocation.consortium_id),
        "can_decide": can_approve_execution(request.user),
    }
    return render(request, "budget/allocation_detail.html", context)


def _room_context(program, line_id, consortium_id) -> dict:
    """The room a new allocation has, for the chosen line and team (either may be missing or unknown)."""
    line = BudgetLine.objects.filter(program=program, pk=line_id).first() if str(line_id).isdigit() else None
    team = (
        Consortium.objects.filter(program=program, pk=consortium_id).first()
        if str(consortium_id).isdigit()
        else None
    )
    room = allocation_room(line=line, consortium=team) if line and team else None
    return {"room_line": line, "room_team": team, "room": room}


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def allocation_create_view(request):
    program = _program()
    if request.method == "POST":
        form = AllocationForm(request.POST, program=program)
        allocation = form_submit(
            request,
            form,
            lambda _data: services.allocation_create(actor=request.user, **form.service_kwargs()),
            lambda allocation, _data: (
                _("Allocated ₩%(amount)s of %(line)s to %(team)s.")
                % {
                    "amount": f"{allocation.amount_krw:,}",
                    "line": allocation.line.code,
                    "team": allocation.consortium.name,
                }
            ),
        )
        if allocation is not None:
            return redirect("budget:allocation-detail", pk=allocation.pk)
        selected = (request.POST.get("line"), request.POST.get("consortium"))
    else:
        initial = {
            key: request.GET[key] for key in ("line", "consortium") if request.GET.get(key, "").isdigit()
        }
        form = AllocationForm(initial=initial, program=program)
        selected = (initial.get("line"), initial.get("consortium"))
    context = {"form": form, **_room_context(program, *selected)}
    return render(request, "budget/allocation_form.html", context)


@require_GET
@roles_required(STAFF)
def allocation_room_view(request):
    """htmx: the room panel of the allocation form, for the line and team chosen so far."""
    context = _room_context(_program(), request.GET.get("line", ""), request.GET.get("consortium", ""))
    return render(request, "budget/_allocation_room.html", context)


# --- executions (spending) ------------------------------------------------------------------------------

EXECUTION_FILTERS = ("consortium", "line", "category", "status", "spent_after", "spent_before", "q")


@require_GET
@roles_required(BUDGET_READERS)
def execution_list_view(request):
    program = _program()
    params = query_subset(request.GET, EXECUTION_FILTERS)
    base = execution_list_visible_to(user=request.user, program_id=program.pk)
    filterset = ExecutionFilterSet(params or None, queryset=base)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    sees_every_team = can_read_everything(request.user)
    context = {
        "page": page,
        "executions": list(page.object_list),
        "sees_every_team": sees_every_team,
        "consortia": Consortium.objects.filter(program=program).order_by("code") if sees_every_team else [],
        "line_codes": BudgetLine.objects.filter(program=program).order_by("fiscal_year", "code"),
        "status_choices": Execution.Status.choices,
        "can_decide": can_approve_execution(request.user),
        "can_record": _may_record(request.user),
        "export_links": _export_links("budget-execution", params) if sees_every_team else [],
        "approve_form": ApproveForm(),
        **_filter_context(filterset, params),
    }
    return render(request, "budget/execution_list.html", context)


def _may_record(user) -> bool:
    """Staff record for any team; a member for their own (so only with a team)."""
    if is_ministry_staff(user):
        return True
    return user_has_role(user, Role.CONSORTIUM_MEMBER) and user_consortium_id(user=user) is not None


def _recordable_allocations(request, program):
    if not _may_record(request.user):
        raise PermissionDenied
    return allocation_list_visible_to(user=request.user, program_id=program.pk).order_by(
        "consortium__code", "line__code", "period_start", "id"
    )


@require_http_methods(["GET", "POST"])
@roles_required(RECORDERS)
def execution_create_view(request):
    program = _program()
    allocations = _recordable_allocations(request, program)
    if request.method == "POST":
        form = ExecutionForm(request.POST, request.FILES, allocations=allocations)
        execution = form_submit(
            request,
            form,
            lambda data: services.execution_record(
                allocation=data["allocation"],
                spent_on=data["spent_on"],
                amount_krw=data["amount_krw"],
                description=data["description"],
                evidence=data["evidence"] or None,
                actor=request.user,
            ),
            lambda execution, _data: (
                _("Spending of ₩%(amount)s recorded; it now waits for approval by ministry staff.")
                % {"amount": f"{execution.amount_krw:,}"}
            ),
        )
        if execution is not None:
            return redirect("budget:execution-detail", pk=execution.pk)
    else:
        chosen = request.GET.get("allocation", "")
        form = ExecutionForm(
            initial={"allocation": chosen} if chosen.isdigit() else {}, allocations=allocations
        )
    return render(request, "budget/execution_form.html", {"form": form})


def _execution_or_404(request, pk: int) -> Execution:
    execution = execution_list_visible_to(user=request.user).filter(pk=pk).first()
    if execution is None:
        raise Http404
    return execution


def _execution_detail(request, execution, *, approve_form=None, reject_form=None, status=200):
    context = {
        "execution": execution,
        "can_decide": can_approve_execution(request.user) and execution.status == Execution.Status.PENDING,
        "is_recorder": execution.recorded_by_id == request.user.pk,
        "approve_form": approve_form or ApproveForm(),
        "reject_form": reject_form or RejectForm(),
        # The error summary shows whichever decision failed.
        "form": approve_form if approve_form is not None and approve_form.errors else reject_form,
    }
    return render(request, "budget/execution_detail.html", context, status=status)


@require_GET
@roles_required(BUDGET_READERS)
def execution_detail_view(request, pk: int):
    return _execution_detail(request, _execution_or_404(request, pk))


@require_POST
@roles_required(STAFF)
def execution_approve_view(request, pk: int):
    execution = _execution_or_404(request, pk)
    form = ApproveForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.execution_approve(execution=execution, actor=request.user, note=data["note"]),
        lambda approved, _data: _("Spending #%(id)s approved.") % {"id": approved.pk},
    ):
        return redirect(_safe_next(request, reverse("budget:execution-detail", args=[execution.pk])))
    return _execution_detail(request, _execution_or_404(request, pk), approve_form=form)


@require_POST
@roles_required(STAFF)
def execution_reject_view(request, pk: int):
    execution = _execution_or_404(request, pk)
    form = RejectForm(request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.execution_reject(
            execution=execution, actor=request.user, reason=data["reason"]
        ),
        lambda rejected, _data: _("Spending #%(id)s rejected.") % {"id": rejected.pk},
    ):
        return redirect(_safe_next(request, reverse("budget:execution-detail", args=[execution.pk])))
    return _execution_detail(request, _execution_or_404(request, pk), reject_form=form)


@require_GET
@roles_required(BUDGET_READERS)
def execution_evidence_view(request, pk: int):
    execution = _execution_or_404(request, pk)
    if not execution.evidence:
        raise Http404
    return FileResponse(
        execution.evidence.open("rb"), as_attachment=True, filename=execution.evidence_name or "evidence"
    )


# --- GPU usage ------------------------------------------------------------------------------------------

GPU_FILTERS = ("consortium", "month_after", "month_before", "gpu_model")


@require_GET
@roles_required(BUDGET_READERS)
def gpu_usage_view(request):
    program = _program()
    params = query_subset(request.GET, GPU_FILTERS)
    base = gpu_usage_list_visible_to(user=request.user).filter(consortium__program=program)
    filterset = GpuUsageFilterSet(params or None, queryset=base)
    sums = (
        filterset.qs.order_by()
        .values("month", "consortium__code", "consortium__name")
        .annotate(hours=Sum("gpu_hours"))
        .order_by("month", "consortium__code")
    )
    teams: dict[str, str] = {}
    months: dict = {}
    for row in sums:
        teams[row["consortium__code"]] = row["consortium__name"]
        months.setdefault(row["month"], {})[row["consortium__code"]] = row["hours"]
    codes = sorted(teams)
    table = [
        {"month": month, "cells": [by_team.get(code) for code in codes], "total": sum(by_team.values())}
        for month, by_team in months.items()
    ]
    sees_every_team = can_read_everything(request.user)
    own = user_consortium_id(user=request.user)
    context = {
        "teams": [(code, teams[code]) for code in codes],
        "table": table,
        "reports": list(gpu_usage_report_list_visible_to(user=request.user)[:10]),
        "sees_every_team": sees_every_team,
        "consortia": Consortium.objects.filter(program=program).order_by("code") if sees_every_team else [],
        "export_links": _export_links("gpu-usage", params) if sees_every_team else [],
        # GPU usage is reported on the evaluations upload page, next to the benchmark results.
        "upload_url": reverse("evaluations:upload")
        if own and can_upload_gpu_usage(request.user, own)
        else None,
        **_filter_context(filterset, params),
    }
    return render(request, "budget/gpu_usage.html", context)
