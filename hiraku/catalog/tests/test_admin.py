"""The Django admin pages of the catalog open for a site admin."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from hiraku.catalog import services
from hiraku.catalog.models import (
    Activity,
    DailyUsage,
    Dataset,
    Group,
    Membership,
    Organization,
    Resource,
    Tag,
)

pytestmark = pytest.mark.django_db

MODELS = [Organization, Group, Tag, Dataset, Resource, Membership, Activity, DailyUsage]


def test_every_catalog_model_is_registered():
    assert all(admin.site.is_registered(model) for model in MODELS)


@pytest.fixture
def admin_client_with_data(client, users, dataset, editor):
    services.add_resource(editor, dataset, {"url": "https://example.jp/toilets.csv"})
    services.record_usage(dataset, kind="view", user_agent="Mozilla/5.0 Firefox/133.0")
    client.force_login(users["site_admin"])
    return client


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_changelists_filters_and_change_pages_open(admin_client_with_data, model):
    opts = model._meta
    changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    assert admin_client_with_data.get(changelist).status_code == 200
    assert admin_client_with_data.get(changelist, {"q": "トイレ"}).status_code == 200
    obj = model.objects.first()
    change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    assert admin_client_with_data.get(change).status_code == 200


def test_the_activity_log_cannot_be_edited(admin_client_with_data):
    activity = Activity.objects.first()
    url = reverse("admin:catalog_activity_change", args=[activity.pk])
    admin_client_with_data.post(url, {"activity_type": "forged"})
    activity.refresh_from_db()
    assert activity.activity_type != "forged"
    assert admin_client_with_data.get(reverse("admin:catalog_activity_add")).status_code == 403


def test_the_admin_is_closed_to_city_editors(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:catalog_dataset_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
