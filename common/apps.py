from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    name = "common"
    verbose_name = _("Common")

    def connect_role_sync(self) -> None:
        # Model modules cannot be imported before the app registry is ready, hence the import here.
        from common.roles import sync_role_permissions_after_migrate  # noqa: PLC0415

        # Models added by later migrations get their permissions after post_migrate creates them;
        # keeping the four roles' grants in step is a decoupled concern, so a signal is the right tool.
        post_migrate.connect(sync_role_permissions_after_migrate, dispatch_uid="kai-sync-role-permissions")

    def ready(self) -> None:
        self.connect_role_sync()
        # Importing each app's export_specs registers its exports (common.exports.export_register).
        autodiscover_modules("export_specs")
