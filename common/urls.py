"""Browser pages of the audit trail (ministry staff and auditors)."""

from django.urls import path

from common import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_list_view, name="list"),
    path("verify/", views.audit_verify_view, name="verify"),
    path("<int:pk>/", views.audit_detail_view, name="detail"),
]
