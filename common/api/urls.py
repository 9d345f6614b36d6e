from django.urls import path
from rest_framework.routers import DefaultRouter

from common.api.export_views import ExportView
from common.api.views import ApiTokenViewSet, AuditEventViewSet, ping

router = DefaultRouter()
router.register("audit-events", AuditEventViewSet, basename="audit-event")
router.register("tokens", ApiTokenViewSet, basename="token")
urlpatterns = [
    path("ping", ping, name="ping"),
    path("exports/<slug:name>.<str:fmt>", ExportView.as_view(), name="export"),
    *router.urls,
]
