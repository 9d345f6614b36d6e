"""Pages of the base app: the health check and the audit trail (ministry staff and auditors)."""

from __future__ import annotations

import json

from django.db import connection
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.audit import audit_chain_verify
from common.filter_forms import FilterField, filter_form
from common.filters import AuditEventFilterSet
from common.models import AuditEvent
from common.roles import READERS
from common.selectors import audit_event_list
from common.web import query_subset, roles_required


@require_GET
def healthz(request):
    """Liveness for the container healthcheck: the process answers and the database is reachable."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


# --- Audit trail ------------------------------------------------------------------------------------

AUDIT_FILTERS = ("q", "action", "object_type", "object_id", "actor", "occurred_after", "occurred_before")
# How the page offers them: the times are the browser's local date-time, read in Korean time.
AUDIT_FILTER_FIELDS = (
    FilterField("q", _("Search object"), attrs={"type": "search"}),
    "action",
    FilterField("object_type", attrs={"placeholder": "budget.allocation", "size": "18"}),
    FilterField("object_id", attrs={"size": "6"}),
    FilterField("actor", attrs={"size": "12"}),
    FilterField("occurred_after", _("From (KST)")),
    FilterField("occurred_before", _("Until (KST)")),
)
AUDIT_PAGE_SIZE = 50
# The list never loads the JSON columns; the detail page shows them.
_AUDIT_LIST_FIELDS = (
    "id",
    "occurred_at",
    "actor_username",
    "action",
    "object_type",
    "object_id",
    "object_repr",
)


def _audit_exports(params: QueryDict) -> list[tuple[str, str]]:
    query = f"?{params.urlencode()}" if params else ""
    return [
        (fmt.upper(), reverse("export", kwargs={"name": "audit-events", "fmt": fmt}) + query)
        for fmt in ("csv", "xlsx", "json")
    ]


@require_GET
@roles_required(READERS)
def audit_list_view(request):
    """The audit trail, newest first, filtered by the API's AuditEventFilterSet. Pages go by id ("older
    than #n"), so no page costs a COUNT over the whole table."""

    params = query_subset(request.GET, AUDIT_FILTERS)
    filterset = AuditEventFilterSet(params or None, queryset=audit_event_list())
    events = filterset.qs.only(*_AUDIT_LIST_FIELDS).order_by("-id")
    before = request.GET.get("before", "")
    if before.isdigit():
        events = events.filter(id__lt=int(before))
    page = list(events[: AUDIT_PAGE_SIZE + 1])
    older = None
    if len(page) > AUDIT_PAGE_SIZE:
        page = page[:AUDIT_PAGE_SIZE]
        older_params = params.copy()
        older_params["before"] = str(page[-1].pk)
        older = f"?{older_params.urlencode()}"
    context = {
        "events": page,
        "older_url": older,
        "newest_url": f"?{params.urlencode()}" if before.isdigit() else None,
        "filter_form": filter_form(filterset, AUDIT_FILTER_FIELDS),
        "is_filtered": bool(params),
        "export_links": _audit_exports(params),
    }
    return render(request, "audit/event_list.html", context)


def _pretty_json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)


def _changes(before, after) -> list[tuple[str, str, str]]:
    """Fields whose value differs between before and after (both dicts), as compact JSON."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    keys = sorted(set(before) | set(after))
    compact = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)  # noqa: E731
    return [
        (
            key,
            compact(before.get(key)) if key in before else "—",
            compact(after.get(key)) if key in after else "—",
        )
        for key in keys
        if before.get(key, object()) != after.get(key, object())
    ]


@require_GET
@roles_required(READERS)
def audit_detail_view(request, pk: int):

    event = AuditEvent.objects.filter(pk=pk).first()
    if event is None:
        raise Http404
    context = dict(event.context or {})
    extra = context.pop("extra", None)
    related = QueryDict(mutable=True)
    related.update({"object_type": event.object_type, "object_id": event.object_id})
    return render(
        request,
        "audit/event_detail.html",
        {
            "event": event,
            "before_json": _pretty_json(event.before) if event.before is not None else None,
            "after_json": _pretty_json(event.after) if event.after is not None else None,
            "changes": _changes(event.before, event.after),
            "request_context": sorted(context.items()),
            "extra_json": _pretty_json(extra) if extra is not None else None,
            "related_query": related.urlencode() if event.object_id else None,
        },
    )


@require_GET
@roles_required(READERS)
def audit_verify_view(request):
    """Walk the whole hash chain now (on demand: it reads every event). htmx gets the status box only."""

    checked, broken, reason = audit_chain_verify()
    context = {
        "verified": {"checked": checked, "broken": broken, "reason": reason, "at": timezone.now()},
    }
    fragment = request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request")
    return render(request, "audit/_chain_status.html" if fragment else "audit/chain_verify.html", context)
