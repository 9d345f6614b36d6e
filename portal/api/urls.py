from django.urls import path

from portal.api.views import dashboard_summary_view

urlpatterns = [
    path("dashboard/summary/", dashboard_summary_view, name="dashboard-summary"),
]
