"""CKAN harvesting against a fake network: paging contract, incremental runs, mapping, deletions, failures."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from hiraku.catalog import services as catalog
from hiraku.catalog.models import Dataset, State
from hiraku.harvest import services
from hiraku.harvest.ckan import site_root
from hiraku.harvest.http import HarvestError, Response
from hiraku.harvest.models import HarvestedDataset, HarvestRun, HarvestSource

from .conftest import make_user
from .fakes import FakeCkan, fetcher, ok, package

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "https://ckan.example.jp", "https://ckan.example.jp/", "https://ckan.example.jp/api/3",
    "https://ckan.example.jp/api/3/action/package_search?q=x", "https://ckan.example.jp/api/action/",
])
def test_site_root_accepts_what_operators_paste(url):
    assert site_root(url) == "https://ckan.example.jp"


def test_site_root_keeps_a_path_prefix():
    assert site_root("https://example.jp/catalog/api/3/action/") == "https://example.jp/catalog"


def test_first_run_pages_like_ckanext_harvest_and_copies_everything(ckan_source):
    remote = FakeCkan([package(n) for n in range(1, 251)])
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert (run.status, run.added, run.errors) == ("success", 250, 0)
    searches = [remote.transport.params(i) for i, url in enumerate(remote.transport.urls) if "package_search" in url]
    assert [(p["rows"], p["start"], p["sort"]) for p in searches] == [
        ("100", "0", "id asc"), ("100", "100", "id asc"), ("100", "200", "id asc"), ("100", "300", "id asc")]
    assert all("fq" not in p for p in searches)
    assert all("/api/3/action/" in url for url in remote.transport.urls)
    assert Dataset.objects.filter(state=State.ACTIVE).count() == 250
    assert HarvestedDataset.objects.filter(source=ckan_source).count() == 250


def test_incremental_run_asks_for_changes_since_the_last_success_minus_an_hour(ckan_source):
    remote = FakeCkan([package(1), package(2)])
    first = services.run_source(ckan_source, fetcher=remote.fetcher)
    remote.transport.urls.clear()
    remote.packages[package(2)["id"]].update(title="新しい題名", metadata_modified="2099-01-01T00:00:00")
    second = services.run_source(ckan_source, fetcher=remote.fetcher)
    params = remote.transport.params(0)
    since = (first.started - timedelta(hours=1)).astimezone(UTC).replace(tzinfo=None).isoformat()
    assert params["fq"] == f"metadata_modified:[{since}Z TO *]"
    assert second.incremental_since == first.started - timedelta(hours=1)
    assert (second.status, second.added, second.updated, second.unchanged) == ("success", 0, 1, 0)
    assert Dataset.objects.get(name="dataset-2").title == "新しい題名"
    # Deletions come from the full name listing, not the incremental page.
    assert any("package_list" in url for url in remote.transport.urls)
    assert Dataset.objects.get(name="dataset-1").state == State.ACTIVE


def test_organization_filter_is_sent_and_used_for_deletions(ckan_source):
    ckan_source.config = {"organization": "kagawa-pref"}
    ckan_source.save()
    remote = FakeCkan([package(1, organization={"name": "kagawa-pref"}), package(2, organization={"name": "other"})])
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert remote.transport.params(0)["fq"] == "organization:kagawa-pref"
    assert run.added == 1 and Dataset.objects.filter(name="dataset-2").count() == 0
    remote.packages[package(1)["id"]]["organization"] = {"name": "elsewhere"}
    remote.transport.urls.clear()
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert run.deleted == 1
    assert not any("package_list" in url for url in remote.transport.urls)
    assert Dataset.objects.get(name="dataset-1").state == State.DELETED


def test_identical_consecutive_pages_stop_the_run_with_a_report_line(ckan_source):
    page = [package(n) for n in range(1, 101)]
    run = services.run_source(ckan_source, fetcher=fetcher(lambda url, params: ok({"count": 500, "results": page})))
    assert run.status == "partial" and run.added == 100
    assert any("identical" in line["message"] for line in run.report if line["level"] == "error")
    # Nothing was deleted on the strength of an incomplete listing.
    assert run.deleted == 0


def test_datasets_repeated_on_a_later_page_are_imported_once(ckan_source):
    # The remote catalog changed while we paged: dataset-2 shows up on two pages.
    pages = {0: [package(1), package(2)], 100: [package(2), package(3)], 200: []}
    source_fetcher = fetcher(lambda url, params: ok({"count": 3, "results": pages[int(params["start"])]}))
    run = services.run_source(ckan_source, fetcher=source_fetcher)
    assert (run.added, run.errors, run.status) == (3, 0, "success")
    # Short pages do not end the paging; only an empty one does.
    assert len(source_fetcher.transport.urls) == 3


def test_mapping_of_licences_tags_groups_resources_and_extras(ckan_source, disaster_group):
    remote = FakeCkan([package(
        1, license_id="odc-odbl", license_title="Open Data Commons Open Database License", tags=[{"name": "ＡＥＤ"}],
        groups=[{"name": "disaster"}, {"name": "no-such-group"}], maintainer_email="not-an-email",
        url="https://city.example.jp/aed", version="2025",
        extras=[{"key": "update_frequency", "value": "MONTHLY"}, {"key": "spatial_lgcode", "value": "372013"},
                {"key": "spatial", "value": '{"type": "Point", "coordinates": [134.0, 34.3]}'},
                {"key": "temporal_start", "value": "2024-04-01"}, {"key": "source_system", "value": "kintone"}],
        resources=[{"name": "地図", "url": "https://data.example.jp/aed.geojson", "format": "GeoJSON"},
                   {"name": "アップロード失敗", "url": "", "format": "CSV"}])])
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    dataset = Dataset.objects.get(name="dataset-1")
    assert dataset.license_id == "other-open"
    assert [t.name for t in dataset.tags.all()] == ["AED"]
    assert [g.name for g in dataset.groups.all()] == ["disaster"]
    assert (dataset.maintainer_email, dataset.url, dataset.version) == ("", "https://city.example.jp/aed", "2025")
    assert (dataset.update_frequency, dataset.spatial_lgcode, dataset.spatial) == ("MONTHLY", "372013", "")
    assert str(dataset.temporal_start) == "2024-04-01"
    assert dataset.extras == {"source_system": "kintone"}
    resources = list(dataset.resources.all())
    assert [(r.name, r.url, r.format, bool(r.file)) for r in resources] == [
        ("地図", "https://data.example.jp/aed.geojson", "GeoJSON", False)]
    warnings = [line["message"] for line in run.report if line["level"] == "warning"]
    assert any("odc-odbl" in w and "other-open" in w for w in warnings)
    assert any("アップロード失敗" in w for w in warnings)
    link = HarvestedDataset.objects.get(dataset=dataset)
    assert link.original_url == "https://remote.example.jp/dataset/dataset-1"
    assert link.remote_modified == "2025-01-01T00:00:00.000000"
    # Recorded like any other change, under the harvester account.
    assert dataset.activities.first().actor.username == services.HARVESTER_USERNAME


def test_updates_replace_fields_and_resources_and_unchanged_datasets_are_left_alone(ckan_source):
    remote = FakeCkan([package(1), package(2)])
    services.run_source(ckan_source, fetcher=remote.fetcher, full=True)
    remote.packages[package(1)["id"]].update(
        metadata_modified="2025-02-01T00:00:00", tags=[{"name": "観光"}],
        resources=[{"name": "新CSV", "url": "https://data.example.jp/new.csv", "format": "CSV"},
                   {"name": "PDF", "url": "https://data.example.jp/new.pdf", "format": "PDF"}])
    run = services.run_source(ckan_source, fetcher=remote.fetcher, full=True)
    assert (run.updated, run.unchanged, run.added) == (1, 1, 0)
    dataset = Dataset.objects.get(name="dataset-1")
    assert [t.name for t in dataset.tags.all()] == ["観光"]
    active = dataset.resources.filter(state=State.ACTIVE).order_by("position")
    assert [(r.name, r.url) for r in active] == [("新CSV", "https://data.example.jp/new.csv"),
                                                 ("PDF", "https://data.example.jp/new.pdf")]


def test_vanished_remote_datasets_are_deleted_and_restored_when_they_return(ckan_source):
    remote = FakeCkan([package(1), package(2)])
    services.run_source(ckan_source, fetcher=remote.fetcher)
    gone = remote.packages.pop(package(2)["id"])
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert run.deleted == 1 and Dataset.objects.get(name="dataset-2").state == State.DELETED
    assert any("dataset-2" in line["message"] for line in run.report)
    remote.packages[gone["id"]] = dict(gone, metadata_modified="2099-01-01T00:00:00")
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert run.updated == 1 and Dataset.objects.get(name="dataset-2").state == State.ACTIVE


def test_a_local_dataset_with_the_same_name_is_never_overwritten(ckan_source, organization):
    admin = make_user("site-admin", is_superuser=True)
    local = catalog.create_dataset(admin, {"title": "市の独自データ", "name": "dataset-1", "organization": "kagawa",
                                           "license_id": "cc-by-4.0", "update_frequency": "IRREG",
                                           "state": "active"})
    remote = FakeCkan([package(1), package(2)])
    run = services.run_source(ckan_source, fetcher=remote.fetcher)
    assert (run.status, run.added, run.errors) == ("partial", 1, 1)
    local.refresh_from_db()
    assert local.title == "市の独自データ" and not HarvestedDataset.objects.filter(dataset=local).exists()
    line = next(line for line in run.report if line["level"] == "error")
    assert line["remote"] == "dataset-1" and "not overwritten" in line["message"]
    # Nor is it deleted when the remote one disappears.
    remote.packages.clear()
    services.run_source(ckan_source, fetcher=remote.fetcher, full=True)
    local.refresh_from_db()
    assert local.state == State.ACTIVE


@pytest.mark.parametrize(("answer", "expected"), [
    (Response("u", 200, "text/html", b"<!DOCTYPE html><html><body>Login</body></html>"), "HTML"),
    (Response("u", 200, "application/json", b'{"success": tru'), "not valid JSON"),
    (Response("u", 500, "text/plain", b"Internal Server Error"), "HTTP 500"),
    (Response("u", 200, "application/json", b'[1, 2]'), "not a CKAN API answer"),
    ({"success": False, "error": {"__type": "Authorization Error", "message": "Access denied"}}, "Access denied"),
    (HarvestError("https://remote.example.jp/api/3/action/package_search: no answer within 1 seconds (time-out)."),
     "time-out"),
])
def test_broken_sources_fail_with_a_clear_line_and_write_nothing(ckan_source, answer, expected):
    run = services.run_source(ckan_source, fetcher=fetcher(lambda url, params: answer))
    assert run.status == "failed" and run.finished is not None
    assert [line["level"] for line in run.report] == ["error"]
    assert expected in run.report[0]["message"]
    assert Dataset.objects.count() == 0 and HarvestedDataset.objects.count() == 0


def test_a_failure_midway_keeps_complete_datasets_and_deletes_nothing(ckan_source):
    remote = FakeCkan([package(n) for n in range(1, 151)])
    services.run_source(ckan_source, fetcher=remote.fetcher)

    def handler(url, params):
        if params.get("start") == "100":
            return Response(url, 502, "text/html", b"<html>Bad gateway</html>")
        return remote.handle(url, params)

    run = services.run_source(ckan_source, fetcher=fetcher(handler), full=True)
    assert run.status == "partial" and run.unchanged == 100 and run.deleted == 0
    assert "HTTP 502" in run.report[-1]["message"]
    assert Dataset.objects.filter(state=State.ACTIVE).count() == 150
    # A partial run is not a base for incremental runs.
    assert services.last_successful_run(ckan_source).pk != run.pk


def test_responses_above_the_size_cap_are_refused(ckan_source):
    big = ok({"count": 1, "results": [package(1, notes="あ" * 600_000)]})
    run = services.run_source(ckan_source, fetcher=fetcher(lambda url, params: big))
    assert run.status == "failed" and "MB limit" in run.report[0]["message"]


def test_a_dataset_that_fails_validation_is_reported_and_the_rest_is_imported(ckan_source, monkeypatch):
    original = catalog.create_dataset

    def picky(actor, data, **kwargs):
        if data["name"] == "dataset-2":
            raise catalog.CatalogValidationError({"title": ["too odd"]})
        return original(actor, data, **kwargs)

    monkeypatch.setattr(catalog, "create_dataset", picky)
    run = services.run_source(ckan_source, fetcher=FakeCkan([package(1), package(2), package(3)]).fetcher)
    assert (run.added, run.errors, run.status) == (2, 1, "partial")
    assert "title: too odd" in next(line for line in run.report if line["level"] == "error")["message"]


def test_a_resource_failure_rolls_back_the_whole_dataset(ckan_source, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(catalog, "add_resource", broken)
    run = services.run_source(ckan_source, fetcher=FakeCkan([package(1)]).fetcher)
    assert run.errors == 1 and "disk full" in run.report[0]["message"]
    assert not Dataset.objects.exists() and not HarvestedDataset.objects.exists()


def test_only_one_run_per_source_at_a_time(ckan_source):
    HarvestRun.objects.create(source=ckan_source)
    with pytest.raises(services.HarvestBusy):
        services.run_source(ckan_source, fetcher=FakeCkan([]).fetcher)
    # A run stuck for hours is considered dead.
    HarvestRun.objects.update(started=timezone.now() - timedelta(hours=7))
    assert services.run_source(ckan_source, fetcher=FakeCkan([]).fetcher).status == "success"


def test_run_due_sources_runs_scheduled_sources_whose_interval_has_passed(organization):
    now = timezone.now()
    daily = HarvestSource.objects.create(url="https://a.example.jp/", source_type="ckan", organization=organization,
                                         schedule="daily")
    weekly = HarvestSource.objects.create(url="https://b.example.jp/", source_type="ckan",
                                          organization=organization, schedule="weekly")
    HarvestSource.objects.create(url="https://c.example.jp/", source_type="ckan", organization=organization)
    HarvestSource.objects.create(url="https://d.example.jp/", source_type="ckan", organization=organization,
                                 schedule="daily", active=False)
    HarvestRun.objects.create(source=daily, started=now - timedelta(days=2), status="success", finished=now)
    HarvestRun.objects.create(source=weekly, started=now - timedelta(days=2), status="success", finished=now)
    runs = services.run_due_sources(now, fetcher=FakeCkan([package(1)]).fetcher)
    assert [run.source for run in runs] == [daily]
    assert services.run_due_sources(timezone.now(), fetcher=FakeCkan([]).fetcher) == []
