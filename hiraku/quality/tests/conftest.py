"""Fixtures for the quality tests that need the catalog: a city, its member, uploaded files."""

from __future__ import annotations

import pytest
from django.test import Client

from hiraku.catalog.models import Capacity, Membership, Organization

from .catalog import make_dataset, upload


@pytest.fixture
def city(db, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path / "data"
    admin = django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw-admin-0001")
    Organization.objects.create(name="takamatsu-city", title="高松市", lgcode="372013")
    return admin


@pytest.fixture
def member(city, django_user_model):
    user = django_user_model.objects.create_user("member", "member@example.jp", "pw-member-0001")
    Membership.objects.create(user=user, organization=Organization.objects.get(name="takamatsu-city"),
                              capacity=Capacity.EDITOR)
    return user


@pytest.fixture
def toilets(city, django_capture_on_commit_callbacks):
    """A public dataset with the problem CSV uploaded (and checked on commit)."""
    dataset = make_dataset(city)
    resource = upload(city, dataset, django_capture_on_commit_callbacks)
    return resource


@pytest.fixture
def hidden(city, django_capture_on_commit_callbacks):
    """A private dataset with the same file."""
    dataset = make_dataset(city, "hidden-toilets", private=True)
    return upload(city, dataset, django_capture_on_commit_callbacks)


@pytest.fixture
def client():
    """A client that chose English (pages are Japanese unless the visitor switches)."""
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    return english
