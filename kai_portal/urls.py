from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from common import views as common_views

urlpatterns = [
    path("", common_views.dashboard, name="dashboard"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("consortia/", include("consortia.urls")),
    path("api/v1/", include("kai_portal.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz", common_views.healthz, name="healthz"),
]
