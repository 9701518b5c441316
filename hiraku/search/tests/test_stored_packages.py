"""package_search results come from the package dicts stored in the index and
must equal what package_show returns, whatever changed since."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hiraku.catalog import services
from hiraku.catalog.models import Dataset, Group, Organization, Tag
from hiraku.search.models import SearchDocument


def _action(name: str, **params) -> object:
    response = Client().get(f"/api/3/action/{name}", params)
    body = response.json()
    assert response.status_code == 200, body
    return body["result"]


def _show(name: str) -> dict:
    return _action("package_show", id=name)


def _searched(names: list[str]) -> dict[str, dict]:
    result = _action("package_search", q="", rows=1000)
    return {package["name"]: package for package in result["results"] if package["name"] in names}


def _assert_same_as_show(names: list[str]) -> None:
    searched = _searched(names)
    assert set(searched) == set(names)
    for name in names:
        # Byte for byte: the same JSON text, keys in the same order.
        assert json.dumps(searched[name], ensure_ascii=False) == json.dumps(_show(name), ensure_ascii=False)


@pytest.fixture
def stocked(catalog, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.SITE_URL = "https://opendata.example.jp"
    bosai = Group.objects.get(name="bosai")
    evacuation = catalog.add("evacuation", title="避難所一覧", tags="防災, 避難所", groups=[bosai])
    catalog.add_resource(evacuation, "CSV", name="hinan")
    upload = SimpleUploadedFile("hinan.geojson", b'{"type": "FeatureCollection", "features": []}')
    catalog.run(services.add_resource, catalog.admin, evacuation, {"name": "GeoJSON"}, files={"file": upload})
    catalog.add("aed", title="AED設置箇所", tags="AED", groups=[bosai, Group.objects.get(name="kotsu")])
    catalog.add("population", organization="marugame", title="人口", tags="人口, 統計")
    return catalog


@pytest.mark.django_db
class TestStoredPackages:
    NAMES = ["evacuation", "aed", "population"]

    def test_results_equal_package_show(self, stocked):
        _assert_same_as_show(self.NAMES)
        assert SearchDocument.objects.filter(package__isnull=True).count() == 0

    def test_after_tag_group_and_resource_changes(self, stocked):
        dataset = Dataset.objects.get(name="evacuation")
        data = services.dataset_form_data(dataset)
        data.update(tags="防災, 津波", groups=[Group.objects.get(name="kotsu")], title="避難場所一覧")
        stocked.run(services.update_dataset, stocked.admin, dataset, data)
        stocked.add_resource(Dataset.objects.get(name="population"), "XLSX", name="jinko")
        aed = Dataset.objects.get(name="aed")
        stocked.run(aed.tags.add, Tag.objects.get(name="人口"))
        _assert_same_as_show(self.NAMES)
        assert [t["name"] for t in _searched(["evacuation"])["evacuation"]["tags"]] == ["津波", "防災"]

    def test_after_organization_and_group_title_changes(self, stocked):
        org = Organization.objects.get(name="takamatsu")
        org.title = "高松市役所"
        stocked.run(org.save)
        group = Group.objects.get(name="bosai")
        group.title = "防災・減災"
        stocked.run(group.save)
        _assert_same_as_show(self.NAMES)
        assert _searched(["aed"])["aed"]["organization"]["title"] == "高松市役所"

    def test_after_a_theme_is_deleted(self, stocked):
        stocked.run(Group.objects.get(name="kotsu").delete)
        _assert_same_as_show(self.NAMES)
        assert [g["name"] for g in _searched(["aed"])["aed"]["groups"]] == ["bosai"]

    def test_upload_urls_follow_the_serving_site_url(self, stocked, settings):
        stored = json.loads(SearchDocument.objects.get(name="evacuation").package)
        upload = next(r for r in stored["resources"] if r["url_type"] == "upload")
        assert upload["url"].startswith("/dataset/")  # site-relative in the index
        settings.SITE_URL = "https://data.city.example.jp"
        served = _searched(["evacuation"])["evacuation"]
        urls = {r["name"]: r["url"] for r in served["resources"]}
        assert urls["GeoJSON"] == "https://data.city.example.jp" + upload["url"]
        assert urls["hinan"] == "https://example.jp/hinan"  # external URLs untouched
        _assert_same_as_show(self.NAMES)

    def test_result_page_reads_no_catalog_relations(self, stocked):
        with CaptureQueriesContext(connection) as queries:
            _action("package_search", q="避難所", **{"facet.field": "[]"})
        sql = " ".join(query["sql"] for query in queries.captured_queries)
        for table in ("catalog_resource", "catalog_dataset_tags", "catalog_dataset_groups", "catalog_tag"):
            assert table not in sql

    def test_rows_without_a_stored_dict_are_built_from_the_catalog(self, stocked):
        SearchDocument.objects.filter(name="aed").update(package=None)
        _assert_same_as_show(self.NAMES)
