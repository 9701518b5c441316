from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from hiraku.catalog.models import Capacity, Group, Membership, Organization
from hiraku.harvest.models import HarvestSource

PASSWORD = "a-Long-harvest-passphrase-7"


@pytest.fixture(autouse=True)
def english_reports():
    """Report lines are written in the active language; the assertions read the English ones."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def organization(db):
    return Organization.objects.create(name="kagawa", title="香川県", lgcode="370002")


@pytest.fixture
def other_organization(db):
    return Organization.objects.create(name="marugame", title="丸亀市", lgcode="372021")


@pytest.fixture
def disaster_group(db):
    return Group.objects.create(name="disaster", title="防災")


def make_user(username: str, organization=None, capacity=None, **extra):
    user = get_user_model().objects.create_user(username, f"{username}@example.jp", PASSWORD, **extra)
    if organization is not None:
        Membership.objects.create(user=user, organization=organization, capacity=capacity)
    return user


@pytest.fixture
def editor(organization):
    return make_user("kagawa-editor", organization, Capacity.EDITOR)


@pytest.fixture
def ckan_source(organization):
    return HarvestSource.objects.create(title="Remote", url="https://remote.example.jp/", source_type="ckan",
                                        organization=organization)
