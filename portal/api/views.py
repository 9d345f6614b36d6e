from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api.permissions import RolePermission
from common.roles import READERS
from portal.dashboard import dashboard_summary


def _kst(value):
    """Every date-time as the API writes it everywhere: ISO 8601 with the KST offset, never ``Z`` (README,
    time zone rule). The summary is built from stored UTC values, which the JSON encoder would write as Z."""
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    if isinstance(value, dict):
        return {key: _kst(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_kst(item) for item in value]
    return value


@extend_schema(
    responses={
        200: {
            "type": "object",
            "description": "program, phases, current standings with "
            "freshness, budget figures and GPU allocation",
        }
    }
)
@api_view(["GET"])
@permission_classes([RolePermission])
def dashboard_summary_view(request):
    """The ministry dashboard in one call (cached; a new snapshot or budget change shows on the next call)."""
    summary = dashboard_summary()
    if summary is None:
        raise NotFound("No program is loaded.")
    return Response(_kst(summary))


dashboard_summary_view.cls.read_roles = READERS
dashboard_summary_view.cls.write_roles = frozenset()
