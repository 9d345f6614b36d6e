from django.urls import path

from portal import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/standings/", views.dashboard_standings, name="dashboard-standings"),
    # Under the consortium's pages, but here: the withdrawal composes the team, its budget and standings.
    path("consortia/<int:pk>/withdraw/", views.consortium_withdraw_view, name="consortium-withdraw-page"),
]
