"""OpenAPI: the API's error answers on every operation, and one operation per export and format
(drf-spectacular post-processing hooks)."""

from __future__ import annotations

import django_filters
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SCHEMA_KWARGS, SpectacularAPIView

from common.exports import FORMATS, LABEL_LANGUAGES, MEDIA_TYPES, export_specs

_ERROR_SCHEMA = {
    "type": "object",
    "description": "Every 4xx answer of the API (see api_exception_handler).",
    "required": ["detail", "code"],
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "file": {"type": "string", "description": "the rejected upload's file name"},
        "errors": {
            "description": (
                "per field: a list of messages; for a rejected upload: every (row, column, reason)"
            ),
            "oneOf": [
                {"type": "object", "additionalProperties": True},
                {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "row": {"type": "integer", "nullable": True},
                            "column": {"type": "string", "nullable": True},
                            "reason": {"type": "string"},
                        },
                    },
                },
            ],
        },
    },
}
_ERROR_DESCRIPTIONS = {
    "400": "invalid input (the fields or rows at fault are named)",
    "401": "missing, unknown or revoked credentials",
    "403": "not allowed for this role",
    "404": "no such object visible to this user (or named in the query), or an invalid page cursor",
    "409": "stale write: the object changed since the version sent",
    "503": "the database connection was lost while handling the request; send it again",
    "415": "unsupported request content type",
    "429": "too many requests from this token",
}


def document_error_responses(result, generator, request, public):
    """drf-spectacular post-processing hook: declare the error answers every view can give
    (400/401/403/404/409/415/429/503), with their shape, so clients and schemathesis see the API's real
    contract rather than only its 2xx answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = _ERROR_SCHEMA
    # (503 is left off only for ping, which never touches the database.)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            anonymous = {} in operation.get("security", [])
            codes = {"401", "429"}
            if not anonymous:
                # 404 also for lists: an unknown object named in the query, or an invalid page cursor.
                codes.update(("403", "404", "503"))
            if operation.get("parameters") or operation.get("requestBody"):
                codes.add("400")
            if operation.get("requestBody"):
                codes.add("415")
            if method in ("put", "patch"):
                codes.add("409")
            for parameter in operation.get("parameters", []):
                # Filters and paging treat an empty value as not given (the browser's GET forms send them).
                if parameter.get("in") == "query" and not parameter.get("required"):
                    if parameter.get("schema", {}).get("type") != "array":
                        parameter.setdefault("allowEmptyValue", True)
            responses = operation.setdefault("responses", {})
            error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            for code in sorted(codes):
                responses.setdefault(
                    code, {"description": _ERROR_DESCRIPTIONS[code], "content": error_content}
                )
            # An error answer a view declares itself (extend_schema) with its own description gets the shape.
            for code, response in responses.items():
                if code.startswith("4") and "content" not in response:
                    response["content"] = error_content
    return result


def _filter_schema(filter_) -> dict:
    """The OpenAPI schema of one django-filter filter's value."""
    if isinstance(filter_, django_filters.MultipleChoiceFilter):
        return {
            "type": "array",
            "items": {"type": "string", "enum": [str(k) for k, _v in filter_.extra["choices"]]},
        }
    if isinstance(filter_, django_filters.BooleanFilter):
        return {"type": "boolean"}
    if isinstance(filter_, django_filters.NumberFilter):
        return {"type": "number"}
    if isinstance(filter_, django_filters.IsoDateTimeFilter | django_filters.DateTimeFilter):
        return {"type": "string", "format": "date-time"}
    if isinstance(filter_, django_filters.DateFilter):
        return {"type": "string", "format": "date"}
    if isinstance(filter_, django_filters.ModelChoiceFilter):
        return {"type": "integer"}
    return {"type": "string"}


def _export_parameters(spec) -> list[dict]:
    parameters = []
    if spec.filterset_class is not None:
        for name, filter_ in spec.filterset_class.base_filters.items():
            parameter = {
                "in": "query",
                "name": name,
                "schema": _filter_schema(filter_),
                "description": str(filter_.label or name),
                "required": False,
            }
            if parameter["schema"]["type"] == "array":
                parameter.update(style="form", explode=True)
            parameters.append(parameter)
    for param in spec.params:
        parameters.append(
            {
                "in": "query",
                "name": param.name,
                "schema": {"type": "string"},
                "description": param.description,
                "required": param.required,
            }
        )
    parameters.append(
        {
            "in": "query",
            "name": "labels",
            "schema": {"type": "string", "enum": list(LABEL_LANGUAGES)},
            "description": "column headers for people in this language (CSV and XLSX); "
            "without it the headers are the snake_case keys",
            "required": False,
        }
    )
    return parameters


_KIND_SCHEMAS = {
    "int": {"type": "integer"},
    "money": {"type": "integer"},
    "number": {"type": "number"},
    "points": {"type": "number"},
    "bool": {"type": "boolean"},
    "datetime": {"type": "string", "format": "date-time"},
    "date": {"type": "string", "format": "date"},
    "json": {},
    "text": {"type": "string"},
}


def _export_body_schema(spec, fmt: str) -> dict:
    """CSV is text (UTF-8 with a BOM), XLSX a binary file, JSON a list of rows typed per column. (Columns a
    request adds, such as a phase's rubric components in the standings, are additional properties.)"""
    if fmt == "csv":
        return {"type": "string"}
    if fmt == "xlsx":
        return {"type": "string", "format": "binary"}
    properties = {column.header: {**_KIND_SCHEMAS[column.kind], "nullable": True} for column in spec.columns}
    row = {"type": "object", "properties": properties, "additionalProperties": spec.row_source is not None}
    return {"type": "array", "items": row}


def document_exports(result, generator, request, public):
    """drf-spectacular post-processing hook: one operation per export and format in place of the generic
    ``/api/v1/exports/{name}.{fmt}``, each with that export's own filters and its real media type, so a
    generated client can send the filters and gets the file as bytes. Runs before document_error_responses,
    which adds the error answers (403/404 with the Error shape among them)."""
    paths = result.get("paths", {})
    generic = paths.pop("/api/v1/exports/{name}.{fmt}", None)
    if generic is None:
        return result
    template = generic["get"]
    with translation.override("en"):
        for name, spec in sorted(export_specs().items()):
            for fmt in FORMATS:
                media_type = MEDIA_TYPES[fmt].split(";")[0]
                operation = {
                    "operationId": f"exports_{name.replace('-', '_')}_{fmt}",
                    "summary": f"{spec.title} ({fmt.upper()})",
                    "description": template.get("description", ""),
                    "parameters": _export_parameters(spec),
                    "tags": ["exports"],
                    "security": template.get("security", []),
                    "responses": {
                        "200": {
                            "description": f"the {name} export as {fmt.upper()}",
                            "content": {media_type: {"schema": _export_body_schema(spec, fmt)}},
                        }
                    },
                }
                paths[f"/api/v1/exports/{name}.{fmt}"] = {"get": operation}
    return result


class EnglishSchemaView(SpectacularAPIView):
    """/api/schema/ in English whatever the request's language: identifiers, titles and descriptions are
    the API's contract, and Korean titles would give generated clients Hangul type and module names. The
    Korean labels the API sends are data (e.g. a phase's name), not part of the schema."""

    @extend_schema(**SCHEMA_KWARGS)
    def get(self, request, *args, **kwargs):
        with translation.override("en"):
            return super().get(request, *args, **kwargs)
