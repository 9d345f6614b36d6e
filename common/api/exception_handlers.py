"""One place that maps domain errors to HTTP (services never return status codes).

Error shape, for every 4xx:
{"detail": str, "code": str, "errors": {field: [msg]} | [{"row","column","reason"}]}.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.uploads import RowError, UploadRejected

# Refusals caused by the state of the object, not by the request: the client should reload and decide
# again. A stale optimistic-concurrency write; a workflow transition from the wrong state (including
# the loser of two concurrent ones) or one blocked by what the object lacks; a finalize whose standings
# changed underneath it.
CONFLICT_CODES = frozenset({"stale", "stale_write", "transition_state", "transition_blocked", "superseded"})


def _row_errors(exc) -> list[RowError] | None:
    """Upload rejections (ours, or an app's ValidationError subclass) carry (row, column, reason) errors."""
    errors = getattr(exc, "errors", None)
    if isinstance(errors, list) and errors and all(isinstance(e, RowError) for e in errors):
        return errors
    return None


def api_exception_handler(exc, context):
    if isinstance(exc, DatabaseOperationalError | DatabaseInterfaceError):
        # The database went away mid-request (restart, failover, a killed session). The service's
        # transaction was rolled back with it; the client should simply send the request again.
        return Response(
            {
                "detail": _(
                    "The database connection was lost while handling this request; try again in a moment."
                ),
                "code": "database_unavailable",
            },
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    row_errors = _row_errors(exc) if isinstance(exc, UploadRejected | DjangoValidationError) else None
    if row_errors is not None:
        return Response(
            {
                "detail": _("The file was rejected; nothing was stored."),
                "code": "upload_rejected",
                "file": getattr(exc, "filename", ""),
                "errors": [e.as_dict() for e in row_errors],
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = exc.message_dict
            detail = "; ".join(
                f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in errors.items()
            )
        else:
            errors = {"non_field_errors": exc.messages}
            detail = " ".join(exc.messages)
        # A list of errors carries its codes on its items; the first one names the answer.
        code = (
            getattr(exc, "code", None)
            or next((e.code for e in getattr(exc, "error_list", ()) if e.code), None)
            or "invalid"
        )
        status_code = status.HTTP_409_CONFLICT if code in CONFLICT_CODES else status.HTTP_400_BAD_REQUEST
        return Response({"detail": detail, "code": code, "errors": errors}, status=status_code)
    if isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "detail": _("Invalid input."),
            "code": "invalid",
            "errors": data if isinstance(data, dict) else {"non_field_errors": data},
        }
    elif isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        response.data = {"detail": str(detail), "code": getattr(detail, "code", "error")}
    return response


def page_not_found(request, exception):
    """``handler404``: a path under /api/ that matches no route (e.g. ``/api/v1/phases//open/``) answers in
    the API's JSON error shape, like every other API 404; the browser keeps the 404 page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": str(exceptions.NotFound.default_detail), "code": "not_found"},
            status=404,
            json_dumps_params={"ensure_ascii": False},
        )
    return defaults.page_not_found(request, exception)
