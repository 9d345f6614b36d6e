from django.urls import path

from consortia import views

app_name = "consortia"
urlpatterns = [
    path("", views.consortium_list_view, name="list"),
    path("<int:pk>/", views.consortium_detail_view, name="detail"),
    path("<int:pk>/partners/", views.partner_join_view, name="partner-join"),
    path("<int:pk>/partners/<int:partnership_pk>/leave/", views.partner_leave_view, name="partner-leave"),
    path("organizations/", views.organization_list_view, name="organizations"),
    path("organizations/new/", views.organization_create_view, name="organization-create"),
    path("organizations/<int:pk>/edit/", views.organization_update_view, name="organization-edit"),
]
