from __future__ import annotations

from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.views import APIView

from common.api.export_views import IgnoreAcceptNegotiation
from common.roles import READERS
from common.zip_stream import MEDIA_TYPE
from evaluations.audit_package import audit_package_stream
from evaluations.selectors import AUDIT_PACKAGE

PARAMS = {"phase"}


class AuditPackageView(APIView):
    """Download a phase's audit package: /api/v1/exports/audit-package.zip?phase=P1.

    One zip archive, streamed: the phase's standings (with one column per rubric component and gate),
    evaluation detail, results and gate decisions with their reasons, the phase's audit events, each in CSV
    and JSON with the same columns and types as the single exports, and manifest.json with each file's
    sha256 and the standings snapshot's inputs hash. The download is itself an audit event.
    """

    content_negotiation_class = IgnoreAcceptNegotiation
    read_roles = READERS
    write_roles = frozenset()

    @extend_schema(
        operation_id="exports_audit_package_zip",
        tags=["exports"],
        parameters=[
            OpenApiParameter(
                "phase",
                OpenApiTypes.STR,
                OpenApiParameter.QUERY,
                required=True,
                description="the phase code, e.g. P1",
            ),
        ],
        responses={
            (200, MEDIA_TYPE): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="the zip archive; manifest.json lists each file with its sha256",
            ),
            400: OpenApiResponse(description="missing or unknown phase, or an unknown parameter"),
            403: OpenApiResponse(description="not allowed for this role (staff and auditors only)"),
        },
    )
    def get(self, request):
        unknown = sorted(set(request.query_params) - PARAMS)
        if unknown:
            raise exceptions.ValidationError(
                {
                    key: [_("Unknown parameter for the %(name)s export.") % {"name": AUDIT_PACKAGE}]
                    for key in unknown
                }
            )
        filename, chunks = audit_package_stream(user=request.user, code=request.query_params.get("phase"))
        response = StreamingHttpResponse(chunks, content_type=MEDIA_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response
