"""Catalog data for the web tests, built through the catalog service layer."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Group, Membership, Organization
from hiraku.catalog.testing import evacuation_dataset_data

SHARED_DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "takamatsu-sample"
TOILET_CSV = SHARED_DATA / "public_toilet" / "data.csv"
STAFF_PASSWORD = "a-long-Test-passphrase-42"


def toilet_csv_bytes() -> bytes:
    """Takamatsu City's real public-toilet list (UTF-8 with BOM, CC BY 4.0)."""
    return TOILET_CSV.read_bytes()


def dataset_data(**overrides) -> dict:
    # The description carries Markdown and a script tag so pages prove they sanitize it.
    notes = "高松市の**指定緊急避難場所**の一覧です。\n\n<script>alert(1)</script>"
    return evacuation_dataset_data(**{"notes": notes, **overrides})


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="takamatsu", title="高松市", title_en="Takamatsu City", lgcode="372013")


@pytest.fixture
def other_organization(db):
    return Organization.objects.create(name="marugame", title="丸亀市", title_en="Marugame City", lgcode="372021")


@pytest.fixture
def themes(db):
    return [
        Group.objects.create(name="disaster", title="防災", title_en="Disaster prevention"),
        Group.objects.create(name="population", title="人口・世帯", title_en="Population"),
    ]


@pytest.fixture
def staff_user(organization):
    user = get_user_model().objects.create_user("tanaka", "tanaka@example.jp", STAFF_PASSWORD)
    Membership.objects.create(user=user, organization=organization, capacity=Capacity.EDITOR)
    return user


@pytest.fixture
def other_staff_user(other_organization):
    user = get_user_model().objects.create_user("sato", "sato@example.jp", STAFF_PASSWORD)
    Membership.objects.create(user=user, organization=other_organization, capacity=Capacity.EDITOR)
    return user


@pytest.fixture
def plain_user(db):
    return get_user_model().objects.create_user("citizen", "citizen@example.jp", STAFF_PASSWORD)


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run on-commit hooks (search indexing) that the test transaction would otherwise swallow."""
    def runner(func, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return func(*args, **kwargs)
    return runner


@pytest.fixture
def public_dataset(staff_user, themes, run_on_commit, media_root):
    dataset = run_on_commit(services.create_dataset, staff_user, dataset_data())
    upload = SimpleUploadedFile("公衆トイレ 一覧.csv", toilet_csv_bytes(), content_type="text/csv")
    run_on_commit(services.add_resource, staff_user, dataset, {"name": "公衆トイレ一覧 CSV"}, {"file": upload})
    run_on_commit(services.add_resource, staff_user, dataset,
                  {"name": "市のページ", "url": "https://www.city.takamatsu.kagawa.jp/opendata.html"})
    return services.get_dataset(dataset.name, staff_user)


@pytest.fixture
def private_dataset(staff_user, themes, run_on_commit):
    data = dataset_data(name="internal-list", title="庁内向け一覧", private="on", groups=[], standard_type="")
    return run_on_commit(services.create_dataset, staff_user, data)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT
