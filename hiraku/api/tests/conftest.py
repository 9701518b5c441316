"""Catalog fixtures for the API tests, created through the catalog services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Dataset, Group, Membership, Organization
from hiraku.search.service import index_dataset


@dataclass
class Catalog:
    admin: object
    member: object
    outsider: object
    organizations: dict[str, Organization] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    datasets: dict[str, Dataset] = field(default_factory=dict)

    def dataset(self, name: str) -> Dataset:
        return Dataset.objects.get(name=name)


def _dataset(actor, name: str, organization: str, **overrides) -> Dataset:
    data = {
        "title": name.replace("-", " ").title(),
        "name": name,
        "organization": organization,
        "notes": "",
        "tags": "",
        "groups": [],
        "license_id": "cc-by-4.0",
        "standard_type": "",
        "update_frequency": "IRREG",
        "state": "active",
        "private": False,
        **overrides,
    }
    return services.create_dataset(actor, data)


def _set_modified(dataset: Dataset, moment: datetime) -> None:
    Dataset.objects.filter(pk=dataset.pk).update(modified=moment)
    index_dataset(dataset.pk)


@pytest.fixture
def client() -> Client:
    """A test client asking for English, so assertions on messages do not depend on translations."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def catalog(db, django_user_model, settings, tmp_path, django_capture_on_commit_callbacks) -> Catalog:
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.SITE_URL = "https://opendata.example.jp"
    admin = django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw-admin-0001")
    member = django_user_model.objects.create_user("member", "member@example.jp", "pw-member-0001")
    outsider = django_user_model.objects.create_user("outsider", "outsider@example.jp", "pw-outsider-0001")
    built = Catalog(admin=admin, member=member, outsider=outsider)

    with django_capture_on_commit_callbacks(execute=True):
        takamatsu = Organization.objects.create(name="takamatsu-city", title="高松市", title_en="Takamatsu City",
                                                lgcode="372013")
        marugame = Organization.objects.create(name="marugame-city", title="丸亀市", lgcode="372021")
        Organization.objects.create(name="closed-office", title="廃止された課", state="deleted")
        built.organizations = {"takamatsu-city": takamatsu, "marugame-city": marugame}
        built.groups = {
            "disaster": Group.objects.create(name="disaster", title="防災"),
            "health": Group.objects.create(name="health", title="健康・福祉"),
        }
        Membership.objects.create(user=member, organization=takamatsu, capacity=Capacity.EDITOR)
        Membership.objects.create(user=outsider, organization=marugame, capacity=Capacity.MEMBER)

        evacuation = _dataset(admin, "evacuation-sites", "takamatsu-city", title="指定緊急避難場所一覧",
                              notes="高松市の指定緊急避難場所", tags="防災, 避難所", groups=["disaster"],
                              standard_type="evacuation_space")
        services.add_resource(admin, evacuation, {"name": "避難場所 CSV", "url": "https://example.jp/hinan.csv",
                                                  "format": "CSV"})
        upload = SimpleUploadedFile("hinan.geojson", b'{"type": "FeatureCollection", "features": []}')
        services.add_resource(admin, evacuation, {"name": "避難場所 GeoJSON"}, files={"file": upload})
        aed = _dataset(admin, "aed-locations", "takamatsu-city", title="AED設置箇所一覧", tags="AED, 医療",
                       groups=["health", "disaster"], standard_type="aed")
        services.add_resource(admin, aed, {"name": "AED", "url": "https://example.jp/aed.csv", "format": "CSV"})
        population = _dataset(admin, "population-2024", "marugame-city", title="地域・年齢別人口 2024",
                              tags="人口", license_id="pdl-1.0")
        services.add_resource(admin, population, {"name": "人口", "url": "https://example.jp/jinko.xlsx"})
        budget = _dataset(admin, "staff-budget", "takamatsu-city", title="内部予算資料", tags="予算, 内部専用",
                          private=True, groups=["disaster"])
        services.add_resource(admin, budget, {"name": "予算", "url": "https://example.jp/yosan.csv",
                                              "format": "CSV"})
        draft = _dataset(admin, "draft-plan", "takamatsu-city", title="計画（下書き）", state="draft")
        removed = _dataset(admin, "removed-data", "marugame-city", title="削除済み")
        services.delete_dataset(admin, removed)

        _set_modified(evacuation, datetime(2024, 4, 1, 9, 0, tzinfo=UTC))
        _set_modified(aed, datetime(2024, 6, 1, 9, 0, tzinfo=UTC))
        _set_modified(population, datetime(2025, 1, 15, 9, 0, tzinfo=UTC))
        _set_modified(budget, datetime(2024, 5, 1, 9, 0, tzinfo=UTC))
        _set_modified(draft, datetime(2024, 3, 1, 9, 0, tzinfo=UTC))

    built.datasets = {d.name: d for d in (evacuation, aed, population, budget, draft)}
    return built
