from django.urls import path, re_path

from evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.phase_list_view, name="phases"),
    path("phases/new/", views.phase_create_view, name="phase-new"),
    path("phases/<int:pk>/", views.phase_detail_view, name="phase"),
    path("phases/<int:pk>/setup/", views.phase_setup_view, name="setup"),
    path("phases/<int:pk>/next/", views.phase_next_view, name="phase-next"),
    path("phases/<int:pk>/what-if/", views.phase_what_if_view, name="what-if"),
    # A transition's preview and confirmation, at the same name as its API action.
    re_path(
        r"^phases/(?P<pk>[0-9]+)/(?P<transition>open|begin-evaluation|finalize)/$",
        views.phase_transition_view,
        name="transition",
    ),
    path("phases/<int:pk>/assignments/", views.assignment_view, name="assign"),
    path("phases/<int:pk>/gates/", views.gate_decision_view, name="gates"),
    path("phases/<int:pk>/panel/", views.panel_result_view, name="panel"),
    path("phases/<int:pk>/deadlines/", views.phase_deadlines_view, name="deadlines"),
    path("assignments/", views.my_assignments_view, name="my-assignments"),
    path("sheets/<int:pk>/", views.score_sheet_view, name="sheet"),
    path("upload/", views.upload_view, name="upload"),
    path("upload/templates/results-<int:phase_pk>.csv", views.result_template_view, name="results-template"),
    path("upload/templates/gpu-usage.csv", views.gpu_usage_template_view, name="gpu-template"),
    path("upload/results/<int:pk>/file", views.result_upload_file_view, name="results-file"),
    path("upload/gpu-usage/<int:pk>/file", views.gpu_report_file_view, name="gpu-file"),
]
