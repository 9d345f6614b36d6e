from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from common.api.permissions import RolePermission
from common.roles import READERS, STAFF
from consortia.api.serializers import ConsortiumSerializer
from consortia.models import Consortium
from consortia.selectors import consortium_get_detail
from portal.api.serializers import ConsortiumWithdrawInputSerializer, DashboardSummarySerializer
from portal.dashboard import dashboard_summary
from portal.services import consortium_withdraw


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


@extend_schema(responses={200: DashboardSummarySerializer})
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


@extend_schema(request=ConsortiumWithdrawInputSerializer, responses={200: ConsortiumSerializer})
@api_view(["POST"])
@permission_classes([RolePermission])
def consortium_withdraw_view(request, pk: int):
    """Record that a team withdrew (ministry staff): its allocations are frozen as of ``left_on`` and the
    standings of its running phases recomputed (portal.services.consortium_withdraw)."""
    consortium = get_object_or_404(Consortium, pk=pk)
    data = ConsortiumWithdrawInputSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    consortium_withdraw(consortium=consortium, actor=request.user, **data.validated_data)
    return Response(ConsortiumSerializer(consortium_get_detail(consortium_id=pk)).data)


consortium_withdraw_view.cls.write_roles = STAFF
