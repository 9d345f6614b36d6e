from django.contrib import admin

from consortia.models import Affiliation, Consortium, FoundationModel, Organization, Partnership, Program


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("code", "name_ko", "name_en", "start_date", "planned_end", "frontier_threshold")


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name_ko", "name_en", "kind", "country", "is_illustrative")
    list_filter = ("kind", "country")
    search_fields = ("name_ko", "name_en")


class PartnershipInline(admin.TabularInline):
    model = Partnership
    extra = 0
    autocomplete_fields = ("organization",)
    fields = ("organization", "role", "contribution", "joined_on", "left_on", "is_illustrative")


class FoundationModelInline(admin.StackedInline):
    model = FoundationModel
    extra = 0


@admin.register(Consortium)
class ConsortiumAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "lead", "status", "joined_on", "left_on", "partner_count")
    list_filter = ("status", "is_wildcard")
    search_fields = ("code", "name", "lead__name_ko", "lead__name_en")
    inlines = (PartnershipInline, FoundationModelInline)
    list_select_related = ("lead",)

    @admin.display(description="partners")
    def partner_count(self, obj):
        return obj.partnerships.count()


@admin.register(Affiliation)
class AffiliationAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "consortium", "title")
    autocomplete_fields = ("organization",)
