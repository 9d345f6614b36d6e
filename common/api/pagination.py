from rest_framework.pagination import CursorPagination, LimitOffsetPagination


class StandardPagination(LimitOffsetPagination):
    default_limit = 50
    max_limit = 500


class LargeTableCursorPagination(CursorPagination):
    """Keyset pagination for big, append-heavy tables: no COUNT(*), stable under inserts."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = "-id"
