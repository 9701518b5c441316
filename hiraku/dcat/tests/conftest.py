"""Catalog data for the DCAT, schema.org and feed tests, built through the catalog services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Group, Membership, Organization
from hiraku.catalog.testing import evacuation_dataset_data

PASSWORD = "a-long-Test-passphrase-42"
CSV_BYTES = "名称,住所\n高松市役所,高松市番町一丁目8番15号\n".encode()


def dataset_data(**overrides) -> dict:
    return evacuation_dataset_data(**overrides)


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="takamatsu", title="高松市", title_en="Takamatsu City", lgcode="372013",
                                       url="https://www.city.takamatsu.kagawa.jp/")


@pytest.fixture
def themes(db):
    return [Group.objects.create(name="disaster", title="防災", title_en="Disaster prevention"),
            Group.objects.create(name="population", title="人口・世帯", title_en="Population")]


@pytest.fixture
def editor(organization):
    user = get_user_model().objects.create_user("tanaka", "tanaka@example.jp", PASSWORD)
    Membership.objects.create(user=user, organization=organization, capacity=Capacity.EDITOR)
    return user


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a service call and its on-commit hooks (search indexing)."""
    def runner(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)
    return runner


@pytest.fixture
def public_dataset(editor, themes, commit, isolated_media):
    dataset = commit(services.create_dataset, editor, dataset_data())
    upload = SimpleUploadedFile("避難場所.csv", CSV_BYTES, content_type="text/csv")
    commit(services.add_resource, editor, dataset, {"name": "避難場所一覧 CSV"}, {"file": upload})
    commit(services.add_resource, editor, dataset,
           {"name": "市のページ", "url": "https://www.city.takamatsu.kagawa.jp/kurashi/bousai.html"})
    return services.get_dataset(dataset.name, editor)


@pytest.fixture
def private_dataset(editor, themes, commit):
    data = dataset_data(name="internal-list", title="庁内向け一覧", private="on", groups=[], standard_type="")
    return commit(services.create_dataset, editor, data)
