from django.urls import path

from . import views

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("dataset/<str:dataset>/resource/<uuid:resource_id>/download/<str:filename>", views.resource_download,
         name="resource_download"),
]
