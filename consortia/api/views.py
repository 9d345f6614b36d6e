from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from consortia.api.pagination import CountInPagePagination
from consortia.api.serializers import (
    ConsortiumSerializer,
    OrganizationSerializer,
    PartnershipInputSerializer,
    PartnershipSerializer,
    consortium_list_data,
    consortium_list_rows,
)
from consortia.filters import ConsortiumFilterSet, OrganizationFilterSet
from consortia.models import FoundationModel, Partnership
from consortia.selectors import consortium_list, organization_list
from consortia.services import partnership_add


class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    """Organizations (companies, startups, universities, institutes, public bodies) of the program."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    write_roles = frozenset()
    ordering_fields = ("name_en", "name_ko", "kind")
    ordering = ("name_en",)

    def get_queryset(self):
        return organization_list()


class ConsortiumViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Consortia with their partners and models. The registry is public program data for every role."""

    serializer_class = ConsortiumSerializer
    filterset_class = ConsortiumFilterSet
    pagination_class = CountInPagePagination
    ordering_fields = ("code", "name", "status", "joined_on")
    ordering = ("code",)

    def get_queryset(self):
        return consortium_list().prefetch_related(
            Prefetch("partnerships", queryset=Partnership.objects.select_related("organization")),
            # The id settles models that share a name, as in the list (consortium_list_data).
            Prefetch("models", queryset=FoundationModel.objects.order_by("name", "id")),
        )

    def filter_queryset(self, queryset):
        if not self.request.query_params:
            # No parameter, nothing to filter: only the default order applies. The FilterSet would build
            # and validate an empty form, whose per-request deep copies cost as much as a query.
            return queryset.order_by(*self.ordering)
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        # The same filters, ordering and paging parameters as any list; the page (rows, with the total in
        # the same query) is built without model instances (see consortium_list_data), and the schema still
        # comes from ConsortiumSerializer.
        rows = consortium_list_rows(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(consortium_list_data(self.paginate_queryset(rows)))

    @extend_schema(request=PartnershipInputSerializer, responses={201: PartnershipSerializer})
    @action(detail=True, methods=["post"], url_path="partners")
    def add_partner(self, request, pk=None):
        """Add a partner organization (ministry staff only)."""
        consortium = self.get_object()
        data = PartnershipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partnership = partnership_add(consortium=consortium, actor=request.user, **data.validated_data)
        return Response(PartnershipSerializer(partnership).data, status=status.HTTP_201_CREATED)
