"""The REST API under /api/v1/: each app's router is included here."""

from django.urls import include, path

app_name = "api"
urlpatterns: list = []
