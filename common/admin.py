from django.contrib import admin

from common.models import ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records that only services may write (results, ledgers, snapshots): the admin shows them, never
    edits them, so every change goes through a service and its audit event."""

    def has_add_permission(self, request):
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
