from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from consortia.api.pagination import CountInPagePagination
from consortia.api.serializers import (
    ConsortiumSerializer,
    OrganizationInputSerializer,
    OrganizationSerializer,
    PartnershipCreateInputSerializer,
    PartnershipEndInputSerializer,
    PartnershipInputSerializer,
    PartnershipListSerializer,
    PartnershipSerializer,
    consortium_list_data,
    consortium_list_rows,
)
from consortia.filters import ConsortiumFilterSet, OrganizationFilterSet, PartnershipFilterSet
from consortia.models import FoundationModel, Partnership
from consortia.selectors import consortium_list, organization_list, partnership_list
from consortia.services import organization_create, organization_update, partnership_add, partnership_end


class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Organizations (companies, startups, universities, institutes, public bodies) of the program.
    Ministry staff record new ones (POST) and correct them (PATCH); there is no PUT or DELETE: an
    organisation's partnerships and affiliations keep it."""

    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ("name_en", "name_ko", "kind")
    ordering = ("name_en",)

    def get_queryset(self):
        return organization_list()

    @extend_schema(request=OrganizationInputSerializer, responses={201: OrganizationSerializer})
    def create(self, request, *args, **kwargs):
        data = OrganizationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        organization = organization_create(actor=request.user, **data.validated_data)
        return Response(OrganizationSerializer(organization).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrganizationInputSerializer(partial=True), responses={200: OrganizationSerializer})
    def partial_update(self, request, *args, **kwargs):
        organization = self.get_object()
        data = OrganizationInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        updated = organization_update(organization=organization, actor=request.user, **data.validated_data)
        return Response(OrganizationSerializer(updated).data)


class PartnershipViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Organisations' places in consortia, with their dates. Ministry staff record a partner joining
    (POST) and leaving (POST .../end/); the rows are never deleted (conflicts of interest read them)."""

    serializer_class = PartnershipListSerializer
    filterset_class = PartnershipFilterSet
    ordering_fields = ("joined_on", "left_on")

    def get_queryset(self):
        return partnership_list()

    @extend_schema(request=PartnershipCreateInputSerializer, responses={201: PartnershipListSerializer})
    def create(self, request, *args, **kwargs):
        data = PartnershipCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partnership = partnership_add(actor=request.user, **data.validated_data)
        return Response(PartnershipListSerializer(partnership).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PartnershipEndInputSerializer, responses={200: PartnershipListSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        """Record that the partner left the consortium on ``left_on``."""
        partnership = self.get_object()
        data = PartnershipEndInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ended = partnership_end(partnership=partnership, actor=request.user, **data.validated_data)
        return Response(PartnershipListSerializer(ended).data)


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
        """Add a partner organization (ministry staff only); the same as POST /partnerships/."""
        consortium = self.get_object()
        data = PartnershipInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partnership = partnership_add(consortium=consortium, actor=request.user, **data.validated_data)
        return Response(PartnershipSerializer(partnership).data, status=status.HTTP_201_CREATED)
