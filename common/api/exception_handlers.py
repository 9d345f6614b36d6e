"""One place that maps domain errors to HTTP (services never return status codes).

Error shape, for every 4xx: {"detail": str, "code": str, "errors": {field: [msg]} | [{"row","column","reason"}]}.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.uploads import UploadRejected


class StaleWrite(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This record was changed by someone else; reload it and apply your change again."
    default_code = "stale_write"


def api_exception_handler(exc, context):
    if isinstance(exc, UploadRejected):
        return Response(
            {
                "detail": _("The file was rejected; nothing was stored."),
                "code": "upload_rejected",
                "errors": [e.as_dict() for e in exc.errors],
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = exc.message_dict
            detail = "; ".join(f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in errors.items())
        else:
            errors = {"non_field_errors": exc.messages}
            detail = " ".join(exc.messages)
        code = getattr(exc, "code", None) or "invalid"
        status_code = status.HTTP_409_CONFLICT if code == "stale_write" else status.HTTP_400_BAD_REQUEST
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
