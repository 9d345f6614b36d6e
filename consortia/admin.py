"""Admin: browse and inspect the registry. Organisations, partners joining or leaving and withdrawals are
recorded on the portal's pages or through the API (consortia.services, portal.services), each with its
audit event, so the admin shows these rows read-only."""

from django.contrib import admin

from common.admin import ReadOnlyAdmin, ReadOnlyInlineMixin
from consortia.models import Affiliation, Consortium, FoundationModel, Organization, Partnership, Program


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_ko", "name_en", "start_date", "planned_end", "frontier_threshold")


@admin.register(Organization)
class OrganizationAdmin(ReadOnlyAdmin):
    list_display = ("name_ko", "name_en", "kind", "country", "is_illustrative")
    list_filter = ("kind", "country")
    search_fields = ("name_ko", "name_en")


class PartnershipInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Partnership
    fields = ("organization", "role", "contribution", "joined_on", "left_on", "is_illustrative")


class FoundationModelInline(ReadOnlyInlineMixin, admin.StackedInline):
    model = FoundationModel


@admin.register(Consortium)
class ConsortiumAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "lead", "status", "joined_on", "left_on", "partner_count")
    list_filter = ("status", "is_wildcard")
    search_fields = ("code", "name", "lead__name_ko", "lead__name_en")
    inlines = (PartnershipInline, FoundationModelInline)
    list_select_related = ("lead",)

    @admin.display(description="partners")
    def partner_count(self, obj):
        return obj.partnerships.count()


@admin.register(Affiliation)
class AffiliationAdmin(ReadOnlyAdmin):
    list_display = ("user", "organization", "consortium", "title")
    list_filter = ("consortium",)
    list_select_related = ("user", "organization", "consortium")
    search_fields = ("user__username", "user__last_name", "organization__name_en", "organization__name_ko")
