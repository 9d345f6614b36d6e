from django.urls import path

from consortia import views

app_name = "consortia"
urlpatterns = [
    path("", views.consortium_list_view, name="list"),
    path("<int:pk>/", views.consortium_detail_view, name="detail"),
]
