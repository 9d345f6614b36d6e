"""The REST API under /api/v1/: each app's routes are included here."""

from django.urls import include, path

urlpatterns = [
    path("", include("common.api.urls")),
    path("", include("consortia.api.urls")),
    path("", include("consortia.accounts.api.urls")),
    path("", include("evaluations.api.urls")),
    path("", include("budget.api.urls")),
    path("", include("portal.api.urls")),
]
