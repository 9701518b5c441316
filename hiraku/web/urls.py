from django.urls import path

from . import views
from .views import preview, quality, quality_fix

app_name = "web"

dataset = "dataset/<str:dataset>"
resource = f"{dataset}/resource/<uuid:resource_id>"

urlpatterns = [
    path("", views.home, name="home"),
    path("dataset/", views.dataset_search, name="dataset_search"),
    # Fixed words come before <str:dataset>; DatasetForm reserves them as names.
    path("dataset/new", views.dataset_create, name="dataset_create"),
    path(dataset, views.dataset_detail, name="dataset_detail"),
    path(f"{dataset}/edit", views.dataset_edit, name="dataset_edit"),
    path(f"{dataset}/delete", views.dataset_delete, name="dataset_delete"),
    path(f"{dataset}/resource/new", views.resource_create, name="resource_create"),
    path(resource, views.resource_detail, name="resource_detail"),
    path(f"{resource}/edit", views.resource_edit, name="resource_edit"),
    path(f"{resource}/delete", views.resource_delete, name="resource_delete"),
    path(f"{resource}/download/<str:filename>", views.resource_download, name="resource_download"),
    path(f"{resource}/status.json", preview.resource_status, name="resource_status"),
    path(f"{resource}/profile.json", preview.resource_profile, name="resource_profile"),
    path(f"{resource}/chart.json", preview.resource_chart, name="resource_chart"),
    path(f"{resource}/map.geojson", preview.resource_map, name="resource_map"),
    path(f"{resource}/dictionary", preview.resource_dictionary, name="resource_dictionary"),
    path(f"{resource}/quality", quality.resource_quality, name="resource_quality"),
    path(f"{resource}/fix", quality_fix.quality_fix_preview, name="resource_quality_fix"),
    path(f"{resource}/fix/apply", quality_fix.quality_fix_apply, name="resource_quality_fix_apply"),
    path("organization/", views.organization_list, name="organization_list"),
    path("organization/<str:organization>", views.organization_detail, name="organization_detail"),
    path("organization/<str:organization>/quality", quality.organization_quality, name="organization_quality"),
    path("group/", views.group_list, name="group_list"),
    path("group/<str:group>", views.group_detail, name="group_detail"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("staff/", views.dashboard, name="staff_dashboard"),
]
