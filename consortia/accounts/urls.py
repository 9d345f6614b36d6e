"""Browser routes for accounts: the staff's users pages and everyone's password pages."""

from django.urls import path

from consortia.accounts import views

app_name = "accounts"
urlpatterns = [
    path("users/", views.user_list_view, name="users"),
    path("users/new/", views.user_create_view, name="user-create"),
    path("users/<int:pk>/", views.user_detail_view, name="user"),
    path("users/<int:pk>/edit/", views.user_update_view, name="user-edit"),
    path("users/<int:pk>/deactivate/", views.user_deactivate_view, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate_view, name="user-reactivate"),
    path("users/<int:pk>/password-link/", views.user_password_link_view, name="user-password-link"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
]
