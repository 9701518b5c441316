"""DCAT-AP and Atom addresses. Included before the web pages so that
`/dataset/<name>.ttl` is not taken for a dataset name (names cannot contain dots)."""

from django.urls import path, re_path

from . import feeds, views

app_name = "dcat"

FORMAT = r"(?P<fmt>ttl|rdf|jsonld)"

urlpatterns = [
    re_path(rf"^catalog\.{FORMAT}$", views.catalog, name="catalog"),
    re_path(rf"^dataset/(?P<dataset>[^/.]+)\.{FORMAT}$", views.dataset, name="dataset"),
    path("dataset/<str:dataset>/activity.atom", feeds.DatasetActivityFeed(), name="dataset_activity_feed"),
    path("activity.atom", feeds.SiteActivityFeed(), name="activity_feed"),
]
