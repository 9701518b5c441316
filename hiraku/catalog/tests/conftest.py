"""Users in every role and a small catalog, built through the service layer."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Group, Membership, Organization

PASSWORD = "a-Long-test-passphrase-9"


def make_user(username: str, organization: Organization | None = None, capacity: str | None = None, **extra):
    user = get_user_model().objects.create_user(username, f"{username}@example.jp", PASSWORD, **extra)
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, capacity=capacity)
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher is slow by design; these tests are about roles, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def dataset_data(**overrides) -> dict:
    data = {
        "title": "公衆トイレ一覧",
        "name": "public-toilets",
        "organization": "takamatsu",
        "notes": "市内の公衆トイレの場所と設備です。",
        "tags": "トイレ, バリアフリー",
        "groups": ["living"],
        "license_id": "cc-by-4.0",
        "update_frequency": "IRREG",
        "spatial": "香川県高松市",
        "spatial_lgcode": "372013",
        "state": "active",
    }
    data.update(overrides)
    return data


@pytest.fixture
def city(db):
    return Organization.objects.create(name="takamatsu", title="高松市", lgcode="372013")


@pytest.fixture
def other_city(db):
    return Organization.objects.create(name="marugame", title="丸亀市", lgcode="372021")


@pytest.fixture
def theme(db):
    return Group.objects.create(name="living", title="くらし・環境", title_en="Living and environment")


@pytest.fixture
def users(city, other_city):
    """One user per role; `other_editor` edits a different city."""
    return {
        "site_admin": get_user_model().objects.create_superuser("root", "root@example.jp", PASSWORD),
        "org_admin": make_user("kacho", city, Capacity.ADMIN),
        "editor": make_user("tanaka", city, Capacity.EDITOR),
        "member": make_user("suzuki", city, Capacity.MEMBER),
        "other_editor": make_user("sato", other_city, Capacity.EDITOR),
        "registered": make_user("citizen"),
        "anonymous": AnonymousUser(),
    }


@pytest.fixture
def editor(users):
    return users["editor"]


@pytest.fixture
def dataset(editor, theme):
    return services.create_dataset(editor, dataset_data())
