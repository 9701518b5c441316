"""Staff harvest pages: who may see them, the add form's errors, run now, the report, the dataset note."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hiraku.catalog.models import Capacity
from hiraku.harvest import services
from hiraku.harvest.http import Fetcher
from hiraku.harvest.models import HarvestRun, HarvestSource

from .conftest import PASSWORD, make_user
from .fakes import FakeCkan, package

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def fake_remote(monkeypatch):
    """Runs started from the pages talk to an in-memory CKAN instead of the network."""
    remote = FakeCkan([package(1), package(2, license_id="mystery")])
    monkeypatch.setattr(services, "Fetcher", lambda: Fetcher(remote.transport, timeout=1, max_bytes=10**6))
    return remote


def test_anonymous_visitors_are_sent_to_log_in(client, ckan_source):
    for url in (reverse("harvest:source_list"), reverse("harvest:source_detail", kwargs={"pk": ckan_source.pk})):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_other_organizations_staff_and_plain_users_get_403(client, ckan_source, other_organization):
    outsider = make_user("marugame-editor", other_organization, Capacity.EDITOR)
    member = make_user("kagawa-member", ckan_source.organization, Capacity.MEMBER)
    login(client, outsider)
    assert client.get(reverse("harvest:source_list")).status_code == 200  # staff, but sees no foreign sources
    assert b"Remote" not in client.get(reverse("harvest:source_list")).content
    for name in ("harvest:source_detail", "harvest:source_run"):
        method = client.post if name.endswith("run") else client.get
        assert method(reverse(name, kwargs={"pk": ckan_source.pk})).status_code == 403
    assert not HarvestRun.objects.exists()
    client.logout()
    login(client, member)
    assert client.get(reverse("harvest:source_list")).status_code == 403


def test_editor_adds_a_source_and_sees_clear_errors_first(client, editor, other_organization):
    login(client, editor)
    response = client.post(reverse("harvest:source_create"), {
        "url": "not a url", "source_type": "ftp", "organization": "marugame", "schedule": "hourly"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"url", "source_type", "organization", "schedule"}
    assert "http://" in errors["url"][0]
    assert not HarvestSource.objects.exists()
    # Local files are for operators at the command line only.
    response = client.post(reverse("harvest:source_create"), {
        "url": "/etc/passwd", "source_type": "dcat", "organization": "kagawa", "schedule": "manual"})
    assert "url" in response.context["form"].errors
    response = client.post(reverse("harvest:source_create"), {
        "title": "香川県カタログ", "url": "https://unreachable.invalid/", "source_type": "ckan",
        "organization": "kagawa", "schedule": "daily", "remote_organization": "kagawa-pref", "active": "on"})
    source = HarvestSource.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("harvest:source_detail",
                                                                           kwargs={"pk": source.pk})
    assert (source.schedule, source.config, source.active) == ("daily", {"organization": "kagawa-pref"}, True)


def test_run_now_runs_through_the_job_queue_and_shows_the_report(client, editor, ckan_source, fake_remote):
    login(client, editor)
    page = client.get(reverse("harvest:source_detail", kwargs={"pk": ckan_source.pk}))
    assert b"csrfmiddlewaretoken" in page.content
    response = client.post(reverse("harvest:source_run", kwargs={"pk": ckan_source.pk}), follow=True)
    run = HarvestRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("harvest:run_detail", kwargs={"pk": run.pk})
    assert (run.added, run.errors) == (2, 0)
    content = response.content.decode()
    assert "dataset-1" in content and "mystery" in content  # the licence warning line
    listing = client.get(reverse("harvest:source_list")).content.decode()
    assert reverse("harvest:run_detail", kwargs={"pk": run.pk}) in listing


def test_run_now_requires_post_and_csrf(client, editor, ckan_source, fake_remote):
    login(client, editor)
    assert client.get(reverse("harvest:source_run", kwargs={"pk": ckan_source.pk})).status_code == 405
    client.handler.enforce_csrf_checks = True
    assert client.post(reverse("harvest:source_run", kwargs={"pk": ckan_source.pk})).status_code == 403
    assert not HarvestRun.objects.exists()


def test_pages_are_in_japanese_and_english(client, editor, ckan_source):
    login(client, editor)
    assert "ハーベスト" in client.get(reverse("harvest:source_list")).content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Harvest sources" in client.get(reverse("harvest:source_list")).content.decode()


def test_site_admin_sees_every_source(client, ckan_source):
    login(client, make_user("root", is_superuser=True))
    assert "Remote" in client.get(reverse("harvest:source_list")).content.decode()
    assert client.get(reverse("harvest:source_detail", kwargs={"pk": ckan_source.pk})).status_code == 200


def test_dataset_page_says_where_a_harvested_dataset_came_from(client, ckan_source, fake_remote):
    services.run_source(ckan_source)
    content = client.get(reverse("web:dataset_detail", kwargs={"dataset": "dataset-1"})).content.decode()
    assert 'href="https://remote.example.jp/dataset/dataset-1"' in content
    assert "Remote" in content
