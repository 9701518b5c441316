from django.urls import path

from . import views

app_name = "datastore"

urlpatterns = [
    path("datastore/dump/<uuid:resource_id>", views.dump, name="dump"),
]
