from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.views import APIView

from common.api.filter_backends import refuse_unknown_yes_no
from common.exports import (
    FORMATS,
    LABEL_LANGUAGES,
    export_appended_queryset,
    export_response,
    export_specs,
)
from common.roles import effective_roles


class IgnoreAcceptNegotiation(BaseContentNegotiation):
    """Exports answer with their own file type whatever the client's Accept header says."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportView(APIView):
    """Download an export: /api/v1/exports/<name>.<csv|xlsx|json>?<the same filters as the list endpoint>.

    Exports: audit-events, standings, evaluation-detail, results, gate-decisions, budget-execution, gpu-usage
    (and a phase's audit package, /api/v1/exports/audit-package.zip, served by its own view).
    CSV is UTF-8 with a BOM (Excel in Korea opens it as UTF-8) and streams row by row.
    """

    content_negotiation_class = IgnoreAcceptNegotiation
    write_roles = frozenset()

    @extend_schema(
        parameters=[
            OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH, description="export name"),
            OpenApiParameter("fmt", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(FORMATS)),
        ],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="the export file"),
            403: OpenApiResponse(description="not allowed for this role"),
            404: OpenApiResponse(description="unknown export"),
        },
    )
    def get(self, request, name: str, fmt: str):
        spec = export_specs().get(name)
        if spec is None or fmt not in FORMATS:
            raise Http404
        if not effective_roles(request.user) & set(spec.read_roles):
            raise exceptions.PermissionDenied()
        unknown = sorted(set(request.query_params) - spec.param_names())
        if unknown:
            raise exceptions.ValidationError(
                {key: [_("Unknown parameter for the %(name)s export.") % {"name": name}] for key in unknown}
            )
        labels = request.query_params.get("labels") or None
        if labels is not None and labels not in LABEL_LANGUAGES:
            raise exceptions.ValidationError(
                {"labels": [_("Choose one of: %(choices)s.") % {"choices": ", ".join(LABEL_LANGUAGES)}]}
            )
        params = {k: v for k, v in request.query_params.items()}
        if spec.row_source is not None:
            return export_response(
                spec=spec,
                fmt=fmt,
                user=request.user,
                params=params,
                source=spec.row_source(request.user, request.query_params),
                labels=labels,
            )
        qs = spec.queryset(request.user)
        if spec.filterset_class is not None:
            filterset = spec.filterset_class(request.query_params, queryset=qs, request=request)
            # The same yes/no rule as the list endpoints: ?current=yes is a 400, not every row.
            refuse_unknown_yes_no(filterset, request.query_params)
            if not filterset.is_valid():
                raise exceptions.ValidationError(filterset.errors)
            qs = filterset.qs
        appended = export_appended_queryset(
            spec=spec, user=request.user, params=request.query_params, request=request
        )
        return export_response(
            spec=spec,
            fmt=fmt,
            user=request.user,
            params=params,
            filtered_qs=qs,
            appended_qs=appended,
            labels=labels,
        )
