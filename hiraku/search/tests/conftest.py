"""A small Japanese municipal catalog, created through the catalog services."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model

from hiraku.catalog import services
from hiraku.catalog.models import Capacity, Dataset, Group, Membership, Organization, Resource
from hiraku.search.backends.base import SearchBackend


@dataclass
class Catalog:
    admin: object
    member: object
    editor: object
    outsider: object
    capture: object
    datasets: dict[str, Dataset] = field(default_factory=dict)

    def add(self, name: str, organization: str = "takamatsu", **overrides) -> Dataset:
        data = {
            "title": name, "name": name, "organization": organization, "notes": "", "tags": "",
            "groups": [], "license_id": "cc-by-4.0", "standard_type": "", "update_frequency": "IRREG",
            "state": "active", "private": False,
        }
        data.update(overrides)
        dataset = self.run(services.create_dataset, self.admin, data)
        self.datasets[name] = dataset
        return dataset

    def add_resource(self, dataset: Dataset, fmt: str, name: str = "data") -> Resource:
        return self.run(services.add_resource, self.admin, dataset,
                        {"name": name, "url": f"https://example.jp/{name}", "format": fmt})

    def run(self, func, *args, **kwargs):
        """Call a catalog service and run what it left for after commit (index updates)."""
        with self.capture(execute=True):
            return func(*args, **kwargs)


@pytest.fixture
def catalog(db, django_capture_on_commit_callbacks) -> Catalog:
    users = get_user_model().objects
    # No passwords: hashing them would dominate the run time of these tests.
    admin = users.create_superuser("admin", "admin@example.jp", None)
    member, editor, outsider = (users.create_user(name, f"{name}@example.jp", None)
                                for name in ("member", "editor", "outsider"))
    takamatsu = Organization.objects.create(name="takamatsu", title="高松市", lgcode="372013")
    Organization.objects.create(name="marugame", title="丸亀市", lgcode="372021")
    Membership.objects.create(user=member, organization=takamatsu, capacity=Capacity.MEMBER)
    Membership.objects.create(user=editor, organization=takamatsu, capacity=Capacity.EDITOR)
    Group.objects.create(name="bosai", title="防災")
    Group.objects.create(name="kotsu", title="交通")
    return Catalog(admin=admin, member=member, editor=editor, outsider=outsider,
                   capture=django_capture_on_commit_callbacks)


@pytest.fixture
def index_calls(monkeypatch):
    """The dataset ids of every index write, in order (the index is still written)."""
    calls: list[list] = []
    original = SearchBackend.index_datasets

    def recording(self, dataset_ids):
        ids = list(dataset_ids)
        calls.append(ids)
        return original(self, ids)

    monkeypatch.setattr(SearchBackend, "index_datasets", recording)
    return calls


@pytest.fixture(params=["sql", "snapshot"])
def search_path(request, settings):
    """Run a test once on the SQL path and once answered by hiraku.search.snapshot (SQLite only)."""
    from django.db import connection

    from hiraku.search import snapshot

    if request.param == "snapshot":
        if connection.vendor != "sqlite":
            pytest.skip("the snapshot serves the SQLite backend")
        settings.HIRAKU_SEARCH_SNAPSHOT = "inline"
        settings.HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = 0
    else:
        settings.HIRAKU_SEARCH_SNAPSHOT = "off"
    snapshot.forget_snapshots()
    yield request.param
    snapshot.forget_snapshots()
