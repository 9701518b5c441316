from pathlib import Path

import pytest
from django.test import Client

from hiraku.catalog.models import Organization

from .factories import make_dataset, upload

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED = REPO_ROOT.parent / "shared"
TAKAMATSU = SHARED / "data" / "takamatsu-sample"
LOCALGOV_SJIS = SHARED / "data" / "localgovjp" / "localgovjp-2020-sjis.csv"


@pytest.fixture
def shared_data():
    if not TAKAMATSU.is_dir():
        pytest.skip("shared sample data is not next to the repository")
    return SHARED / "data"


@pytest.fixture
def data_dir(tmp_path):
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def city(db, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path / "data"
    admin = django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw-admin-0001")
    Organization.objects.create(name="takamatsu-city", title="高松市", lgcode="372013")
    return admin


@pytest.fixture
def toilets(city, django_capture_on_commit_callbacks):
    return upload(city, make_dataset(city), capture=django_capture_on_commit_callbacks)
