from django.urls import path

from . import views

app_name = "api"
urlpatterns = [
    path("3", views.api_version, name="version"),
    path("3/action/<str:name>", views.action_view, name="action"),
    path("action/<str:name>", views.action_view, name="action_unversioned"),
]
