"""The REST API under /api/v1/: each app's routes are included here."""

from django.urls import include, path

from evaluations.api.audit_package_views import AuditPackageView

urlpatterns = [
    # Ahead of common's exports/<name>.<fmt>, which would take this path for an export named audit-package.
    path("exports/audit-package.zip", AuditPackageView.as_view(), name="export-audit-package"),
    path("", include("common.api.urls")),
    path("", include("consortia.api.urls")),
    path("", include("consortia.accounts.api.urls")),
    path("", include("evaluations.api.urls")),
    path("", include("budget.api.urls")),
    path("", include("portal.api.urls")),
]
