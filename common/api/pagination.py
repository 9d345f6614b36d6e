from rest_framework import serializers
from rest_framework.pagination import CursorPagination, LimitOffsetPagination

# Past this no table of the portal has rows; larger offsets would also overflow PostgreSQL's OFFSET (bigint).
MAX_OFFSET = 10**9


def _query_int(request, name: str, *, minimum: int, maximum: int | None = None) -> int | None:
    """A paging parameter as an integer, or None when absent; bad values are a 400 naming the parameter
    (DRF's own paginators silently fall back to the first page, so a client's paging bug went unnoticed)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    field = serializers.IntegerField(min_value=minimum, max_value=maximum)
    try:
        if not raw.isascii() or not raw.lstrip("-").isdigit():
            # DRF's IntegerField reads "120.0" as 120; the schema says integer, so the text must be one.
            field.fail("invalid")
        return field.run_validation(raw)
    except serializers.ValidationError as exc:
        raise serializers.ValidationError({name: exc.detail}) from None


def _bounded(parameters: list[dict], bounds: dict[str, dict]) -> list[dict]:
    for parameter in parameters:
        parameter["schema"].update(bounds.get(parameter["name"], {}))
    return parameters


class StandardPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500

    def get_limit(self, request):
        limit = _query_int(request, self.limit_query_param, minimum=1)
        return self.default_limit if limit is None else min(limit, self.max_limit)

    def get_offset(self, request):
        return _query_int(request, self.offset_query_param, minimum=0, maximum=MAX_OFFSET) or 0

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view),
            {
                self.limit_query_param: {"minimum": 1},
                self.offset_query_param: {"minimum": 0, "maximum": MAX_OFFSET},
            },
        )


class LargeTableCursorPagination(CursorPagination):
    """Keyset pagination for big, append-heavy tables: no COUNT(*), stable under inserts."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"

    def get_page_size(self, request):
        size = _query_int(request, self.page_size_query_param, minimum=1)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        return _bounded(
            super().get_schema_operation_parameters(view), {self.page_size_query_param: {"minimum": 1}}
        )
