from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerSplitView

from common import views as common_views
from common.api.schema import EnglishSchemaView

urlpatterns = [
    path("", include("portal.urls")),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("consortia/", include("consortia.urls")),
    path("accounts/", include("consortia.accounts.urls")),
    path("budget/", include("budget.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("audit/", include("common.urls")),
    path("api/v1/", include("kai_portal.api_urls")),
    path("api/schema/", EnglishSchemaView.as_view(), name="schema"),
    # The split view serves Swagger UI's script as a separate file, so the strict CSP (no inline JS) holds.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("admin/", admin.site.urls),
    path("healthz", common_views.healthz, name="healthz"),
]

# Paths under /api/ that match no route answer in the API's JSON error shape; other paths get the 404 page.
handler404 = "common.api.exception_handlers.page_not_found"
