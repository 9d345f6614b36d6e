from __future__ import annotations

from django.db.models import Count, Window

from common.api.pagination import StandardPagination

_TOTAL = "_page_total"


class CountInPagePagination(StandardPagination):
    """Limit/offset paging of a values() queryset whose page query also carries the total (COUNT(*) OVER ()),
    so a page costs one query instead of a COUNT and a SELECT. Same parameters, answers and schema as
    StandardPagination; the count is queried on its own only when the page comes back empty past offset 0.
    """

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        if queryset.query.distinct:
            # The window counts rows before DISTINCT removes any: count the usual way.
            return super().paginate_queryset(queryset, request, view)
        rows = list(queryset.annotate(**{_TOTAL: Window(Count("*"))})[self.offset : self.offset + self.limit])
        for row in rows:
            self.count = row.pop(_TOTAL)
        if not rows:
            self.count = 0 if self.offset == 0 else self.get_count(queryset)
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return rows
