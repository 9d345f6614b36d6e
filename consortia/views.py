"""Browser pages for the consortia registry. Every portal role may read it (as in the API); the lists are
filtered with the same FilterSets the API uses, so ?status=…&q=… means the same in both. Ministry staff
record changes here (organisations, partners joining or leaving) through the same services as the API; a
team's withdrawal composes several apps and has its page in portal.views."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.roles import STAFF
from common.web import form_submit, query_subset, roles_required
from consortia import services
from consortia.filters import ConsortiumFilterSet, OrganizationFilterSet
from consortia.forms import OrganizationForm, PartnerJoinForm, PartnerLeaveForm
from consortia.models import Consortium, Organization, Partnership
from consortia.permissions import can_manage_registry
from consortia.selectors import organization_list, organizations_joinable, user_consortium_id
from consortia.ui_selectors import consortium_detail_for_ui, consortium_list_for_ui, program_current


@require_GET
@roles_required()
def consortium_list_view(request):
    program = program_current()
    # Only the parameters this page offers; others (program=, ordering=) are the API's business.
    params = request.GET.copy()
    for key in list(params):
        if key not in ("q", "status", "is_wildcard"):
            del params[key]
    filterset = ConsortiumFilterSet(params or None, queryset=consortium_list_for_ui(program=program))
    consortia = list(filterset.qs)
    context = {
        "filterset": filterset,
        "consortia": consortia,
        "status_choices": Consortium.Status.choices,
        "selected_statuses": params.getlist("status"),
        "q": params.get("q", ""),
        "wildcard": params.get("is_wildcard", ""),
        "is_filtered": bool(params),
        "own_consortium_id": user_consortium_id(user=request.user),
    }
    # htmx asks for the results only (the filter form stays as the user left it); the full page otherwise,
    # including when htmx restores a page from history.
    fragment = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    template = "consortia/_consortium_results_htmx.html" if fragment else "consortia/consortium_list.html"
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request", "HX-History-Restore-Request"))
    return response


def _detail_or_404(pk: int):
    try:
        return consortium_detail_for_ui(consortium_id=pk)
    except Consortium.DoesNotExist:
        raise Http404 from None


def _leave_form(partnership: Partnership, data=None) -> PartnerLeaveForm:
    return PartnerLeaveForm(data, prefix=f"leave-{partnership.pk}")


def _render_detail(request, detail, *, join_form=None, leave_forms=None, status=200):
    consortium = detail.consortium
    context = {
        "detail": detail,
        "consortium": consortium,
        "is_own_team": user_consortium_id(user=request.user) == consortium.pk,
        "can_manage": can_manage_registry(request.user),
    }
    if context["can_manage"]:
        leave_forms = leave_forms or {}
        current = [
            p
            for p in consortium.partnerships.all()
            if p.role == Partnership.Role.PARTNER and p.left_on is None
        ]
        context["join_form"] = join_form or PartnerJoinForm(
            organizations=organizations_joinable(consortium_id=consortium.pk), prefix="join"
        )
        context["leave_rows"] = [(p, leave_forms.get(p.pk) or _leave_form(p)) for p in current]
    return render(request, "consortia/consortium_detail.html", context, status=status)


@require_GET
@roles_required()
def consortium_detail_view(request, pk: int):
    return _render_detail(request, _detail_or_404(pk))


@require_POST
@roles_required(STAFF)
def partner_join_view(request, pk: int):
    """Record an organisation joining this consortium (``consortia.services.partnership_add``)."""
    detail = _detail_or_404(pk)
    consortium = detail.consortium
    form = PartnerJoinForm(
        request.POST, organizations=organizations_joinable(consortium_id=consortium.pk), prefix="join"
    )
    if form_submit(
        request,
        form,
        lambda data: services.partnership_add(consortium=consortium, actor=request.user, **data),
        lambda partnership, _data: (
            _("%(organization)s joined %(team)s.")
            % {"organization": partnership.organization, "team": consortium}
        ),
    ):
        return redirect("consortia:detail", pk=consortium.pk)
    return _render_detail(request, detail, join_form=form)


@require_POST
@roles_required(STAFF)
def partner_leave_view(request, pk: int, partnership_pk: int):
    """Record a partner leaving this consortium (``consortia.services.partnership_end``)."""
    detail = _detail_or_404(pk)
    partnership = get_object_or_404(
        Partnership.objects.select_related("organization"), pk=partnership_pk, consortium_id=pk
    )
    form = _leave_form(partnership, request.POST)
    if form_submit(
        request,
        form,
        lambda data: services.partnership_end(
            partnership=partnership, left_on=data["left_on"], actor=request.user
        ),
        lambda ended, _data: (
            _("%(organization)s left %(team)s on %(date)s.")
            % {
                "organization": ended.organization,
                "team": detail.consortium,
                "date": ended.left_on.isoformat(),
            }
        ),
    ):
        return redirect("consortia:detail", pk=pk)
    return _render_detail(request, detail, leave_forms={partnership.pk: form})


# --- Organisations ---------------------------------------------------------------------------------------

ORGANIZATION_FILTERS = ("q", "kind")


@require_GET
@roles_required()
def organization_list_view(request):
    params = query_subset(request.GET, ORGANIZATION_FILTERS)
    filterset = OrganizationFilterSet(params or None, queryset=organization_list())
    return render(
        request,
        "consortia/organization_list.html",
        {
            "organizations": list(filterset.qs),
            "kind_choices": Organization.Kind.choices,
            "selected_kinds": params.getlist("kind"),
            "q": params.get("q", ""),
            "is_filtered": bool(params),
            "can_manage": can_manage_registry(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def organization_create_view(request):
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form_submit(
        request,
        form,
        lambda _data: services.organization_create(actor=request.user, **form.service_kwargs()),
        lambda organization, _data: _("%(organization)s is recorded.") % {"organization": organization},
    ):
        return redirect("consortia:organizations")
    return render(request, "consortia/organization_form.html", {"form": form, "organization": None})


@require_http_methods(["GET", "POST"])
@roles_required(STAFF)
def organization_update_view(request, pk: int):
    organization = get_object_or_404(Organization, pk=pk)
    if request.method == "POST":
        form = OrganizationForm(request.POST)
        if form_submit(
            request,
            form,
            lambda _data: services.organization_update(
                organization=organization, actor=request.user, **form.service_kwargs()
            ),
            lambda updated, _data: _("%(organization)s is saved.") % {"organization": updated},
        ):
            return redirect("consortia:organizations")
    else:
        form = OrganizationForm(
            initial={name: getattr(organization, name) for name in OrganizationForm.base_fields}
        )
    return render(request, "consortia/organization_form.html", {"form": form, "organization": organization})
