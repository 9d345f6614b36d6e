from django.urls import path

from portal.api.views import consortium_withdraw_view, dashboard_summary_view

urlpatterns = [
    path("dashboard/summary/", dashboard_summary_view, name="dashboard-summary"),
    # The consortium's own route, served here: a withdrawal composes the team, its budget and standings.
    path("consortia/<int:pk>/withdraw/", consortium_withdraw_view, name="consortium-withdraw"),
]
