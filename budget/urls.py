from django.urls import path

from budget import views

app_name = "budget"
urlpatterns = [
    path("", views.line_list_view, name="lines"),
    path("lines/<int:pk>/", views.line_detail_view, name="line-detail"),
    path("lines/<int:pk>/amend/", views.line_amend_view, name="line-amend"),
    path("allocations/", views.allocation_list_view, name="allocations"),
    path("allocations/new/", views.allocation_create_view, name="allocation-create"),
    path("allocations/room/", views.allocation_room_view, name="allocation-room"),
    path("allocations/<int:pk>/", views.allocation_detail_view, name="allocation-detail"),
    path("executions/", views.execution_list_view, name="executions"),
    path("executions/new/", views.execution_create_view, name="execution-create"),
    path("executions/<int:pk>/", views.execution_detail_view, name="execution-detail"),
    path("executions/<int:pk>/approve/", views.execution_approve_view, name="execution-approve"),
    path("executions/<int:pk>/reject/", views.execution_reject_view, name="execution-reject"),
    path("executions/<int:pk>/evidence/", views.execution_evidence_view, name="execution-evidence"),
    path("gpu-usage/", views.gpu_usage_view, name="gpu-usage"),
]
