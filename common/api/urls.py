from django.urls import path
from rest_framework.routers import DefaultRouter

from common.api.export_views import ExportView
from common.api.views import ApiTokenViewSet, AuditEventViewSet, ping, ping_without_slash

router = DefaultRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("tokens", ApiTokenViewSet, basename="token")
urlpatterns = [
    path("ping/", ping, name="ping"),
    # Kept for existing clients and load scripts; the schema lists only ping/ (one URL style).
    path("ping", ping_without_slash),
    path("exports/<slug:name>.<str:fmt>", ExportView.as_view(), name="export"),
    *router.urls,
]
