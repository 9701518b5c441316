from django.urls import path

from . import views

app_name = "harvest"

urlpatterns = [
    path("", views.source_list, name="source_list"),
    path("new", views.source_create, name="source_create"),
    path("<int:pk>/", views.source_detail, name="source_detail"),
    path("<int:pk>/run", views.source_run, name="source_run"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
]
