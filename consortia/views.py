"""Browser pages for the consortia registry. Every portal role may read it (as in the API); the list is
filtered with the same ConsortiumFilterSet the API uses, so ?status=…&q=… means the same in both."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from common.web import roles_required
from consortia.filters import ConsortiumFilterSet
from consortia.models import Consortium
from consortia.selectors import user_consortium_id
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


@require_GET
@roles_required()
def consortium_detail_view(request, pk: int):
    try:
        detail = consortium_detail_for_ui(consortium_id=pk)
    except Consortium.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "consortia/consortium_detail.html",
        {
            "detail": detail,
            "consortium": detail.consortium,
            "is_own_team": user_consortium_id(user=request.user) == detail.consortium.pk,
        },
    )
