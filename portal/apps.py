from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """What composes several apps: the dashboard, the program timeline and the program-file loader.
    Nothing imports this app but the URL configuration."""

    name = "portal"
    verbose_name = _("Portal")
