"""OpenAPI: the API's error answers, declared on every operation (drf-spectacular post-processing hook)."""

from __future__ import annotations

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
