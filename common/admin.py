from django.contrib import admin

from common.models import ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every domain record (registry, phases and their inputs, results, ledgers, snapshots): the admin
    shows it, never edits it, so every change goes through a service (the portal's pages or the API) and
    its audit event."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInlineMixin:
    """An inline of a ReadOnlyAdmin: shows the related rows, offers no add, change or delete."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username", "prefix")
    readonly_fields = ("prefix", "key_hash", "created_at", "last_used_at", "revoked_at", "created_by")

    def has_add_permission(self, request):
        # Keys are shown once, so tokens are made by the `create_api_token` command or the API, not here.
        return False
