"""The check job: it runs on upload, stores the latest report and never breaks the queue."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services as catalog
from hiraku.quality import services
from hiraku.quality.models import QualityReport

from .catalog import make_dataset, upload

pytestmark = pytest.mark.django_db


def test_upload_is_checked_and_the_report_stored(toilets):
    report = QualityReport.objects.get(resource=toilets)
    assert report.status == QualityReport.Status.DONE
    assert report.file_hash == toilets.hash and report.file_hash.startswith("sha256:")
    assert report.file_name == toilets.original_filename
    rules = report.report["summary"]["rules"]
    assert rules["value.lgcode_five_digits"] == 1
    assert rules["value.fullwidth"] == 1
    assert rules["text.wareki_date"] == 1
    assert report.errors == report.report["summary"]["errors"] >= 2
    assert report.warnings >= 2
    assert report.stars == 3
    assert report.standard_id == "public_toilet"
    assert report.standard_confidence and report.standard_confidence >= 0.5
    assert report.missing_required == 1
    assert report.report["file"]["name"] == toilets.original_filename


def test_a_new_file_replaces_the_report(toilets, city, django_capture_on_commit_callbacks):
    clean = "名称,所在地\r\n片原町公衆便所,高松市片原町\r\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_resource(city, toilets, {"name": "トイレ"},
                                files={"file": SimpleUploadedFile("toilets2.csv", clean)})
    assert QualityReport.objects.filter(resource=toilets).count() == 1
    report = QualityReport.objects.get(resource=toilets)
    assert report.file_name == "toilets2.csv"
    assert "value.lgcode_five_digits" not in report.report["summary"]["rules"]


def test_a_link_without_a_file_gets_no_report(city, django_capture_on_commit_callbacks):
    dataset = make_dataset(city)
    with django_capture_on_commit_callbacks(execute=True):
        resource = catalog.add_resource(city, dataset, {"name": "リンク", "url": "https://example.jp/data.csv"})
    assert services.check_resource(str(resource.pk)) is None
    assert not QualityReport.objects.exists()


def test_an_unexpected_failure_is_recorded(toilets, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "validate_file", explode)
    report = services.check_resource(str(toilets.pk))
    assert report.status == QualityReport.Status.ERROR
    assert "boom" in report.error
    assert report.report == {}


def test_unknown_or_malformed_ids_are_ignored(db):
    assert services.check_resource("00000000-0000-0000-0000-000000000000") is None
    assert services.check_resource("not-a-uuid") is None


def test_private_reports_are_hidden_from_outsiders(hidden, member, city):
    with pytest.raises(catalog.NotFound):
        services.get_report(str(hidden.pk), None)
    assert services.get_report(str(hidden.pk), member).resource_id == hidden.pk
    assert services.get_report(str(hidden.pk), city).errors >= 2


def test_dataset_quality_combines_score_and_reports(toilets):
    quality = services.dataset_quality_for(toilets.dataset.name, None)
    assert quality.errors >= 2
    data = quality.as_dict()
    assert data["resources"][0]["report"]["standard"] == "public_toilet"
    by_id = {c["id"]: c for c in data["criteria"]}
    assert by_id["no_errors"]["met"] is False
    assert by_id["standard"]["met"] is False  # 設置位置 is missing
    assert by_id["license"]["met"] is True


def test_organization_quality_is_worst_first_and_respects_privacy(toilets, hidden, city,
                                                                 django_capture_on_commit_callbacks):
    good = make_dataset(city, "clean-list", notes="x" * 80, update_frequency="ANNUAL")
    upload(city, good, django_capture_on_commit_callbacks, content="名称,所在地\r\n片原町公衆便所,高松市片原町\r\n".encode(),
           filename="list.csv")
    organization = services.get_organization("takamatsu-city")
    public = [q.dataset.name for q in services.organization_quality(organization, None)]
    assert public == ["toilets", "clean-list"]
    everything = [q.dataset.name for q in services.organization_quality(organization, city)]
    assert set(everything) == {"toilets", "hidden-toilets", "clean-list"}
    assert everything[-1] == "clean-list"


def test_score_is_stored_and_kept_up_to_date(toilets, city, django_capture_on_commit_callbacks):
    from hiraku.quality.models import DatasetScore

    dataset = toilets.dataset
    stored = DatasetScore.objects.get(dataset=dataset)
    assert stored.score == services.dataset_quality(dataset).score.score
    data = catalog.dataset_form_data(dataset)
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_dataset(city, dataset, {**data, "notes": "高松市内の公衆トイレの一覧です。" * 5})
    assert DatasetScore.objects.get(dataset=dataset).score == stored.score + 10  # the description now counts


def test_search_sorts_by_quality(client, toilets, city, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from hiraku.api.tests.helpers import call_get, result_of
    from hiraku.search.service import SearchQuery, index_dataset, search

    cache.clear()  # search counts are cached by index generation, which restarts with each test's database
    with django_capture_on_commit_callbacks(execute=True):
        empty = make_dataset(city, "empty-list", license_id="notspecified", update_frequency="UNKNOWN")
    index_dataset(empty.pk)
    worst_first = search(SearchQuery(sort="quality_asc", facet_fields=()), None).dataset_ids
    names = dict(catalog.Dataset.objects.values_list("pk", "name"))
    assert [names[pk] for pk in worst_first] == ["empty-list", "toilets"]
    best_first = result_of(call_get(client, "package_search", sort="quality_score desc"))
    assert [d["name"] for d in best_first["results"]] == ["toilets", "empty-list"]
    html = client.get("/dataset/", {"sort": "quality_asc"}).content.decode()
    assert html.index("/dataset/empty-list") < html.index("/dataset/toilets")
    assert "Quality score (worst first)" in html


def test_refresh_command_backfills_reports_and_scores(toilets, city):
    from io import StringIO

    from django.core.management import call_command

    from hiraku.quality.models import DatasetScore

    QualityReport.objects.all().delete()
    DatasetScore.objects.all().delete()
    out = StringIO()
    call_command("quality_refresh", "--missing", stdout=out)
    assert "checked 1 files" in out.getvalue() and "scored 1 datasets" in out.getvalue()
    assert QualityReport.objects.get(resource=toilets).errors >= 2
    assert DatasetScore.objects.get(dataset=toilets.dataset).score == services.dataset_quality(
        toilets.dataset).score.score
    out = StringIO()
    call_command("quality_refresh", "--missing", stdout=out)
    assert "checked 0 files" in out.getvalue()


def test_the_check_job_keeps_the_grade_facet_true(toilets, city, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from hiraku.quality.models import DatasetScore
    from hiraku.search.service import SearchQuery, search

    def indexed_grades():
        return dict(search(SearchQuery(facet_fields=("quality_grade",)), None).facets["quality_grade"])

    cache.clear()
    before = DatasetScore.objects.get(dataset=toilets.dataset).grade
    assert indexed_grades() == {before: 1}
    clean = "名称,所在地\r\n片原町公衆便所,高松市片原町\r\n".encode()
    with django_capture_on_commit_callbacks(execute=True):  # the new file is checked, the dataset rescored
        catalog.update_resource(city, toilets, {"name": "トイレ"},
                                files={"file": SimpleUploadedFile("toilets2.csv", clean)})
    after = DatasetScore.objects.get(dataset=toilets.dataset).grade
    assert after != before  # no errors any more
    assert indexed_grades() == {after: 1}


def test_a_declared_standard_type_is_checked_under_its_catalog_slug(city, django_capture_on_commit_callbacks):
    # The catalog calls 地域・年齢別人口 "population"; its schema is population_by_area_age.
    dataset = make_dataset(city, "population", standard_type="population")
    content = "都道府県コード又は市区町村コード,地域名,総数\r\n372013,高松市,417496\r\n".encode()
    resource = upload(city, dataset, django_capture_on_commit_callbacks, content=content,
                      filename="372013_population.csv", name="人口")
    report = QualityReport.objects.get(resource=resource)
    assert report.status == QualityReport.Status.DONE
    assert report.standard_id == "population_by_area_age"
