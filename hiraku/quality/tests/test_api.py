"""The quality actions through the Action API, with the catalog's permissions."""

from __future__ import annotations

import pytest

from hiraku.api.tests.helpers import call_get, call_post, error_of, result_of

from .catalog import make_dataset

pytestmark = pytest.mark.django_db


def test_resource_report(client, toilets):
    result = result_of(call_get(client, "quality_resource_show", id=str(toilets.pk)))
    assert result["resource_id"] == str(toilets.pk)
    assert result["package_id"] == str(toilets.dataset_id)
    assert result["status"] == "done" and result["standard"] == "public_toilet" and result["stars"] == 3
    assert result["errors"] >= 2 and result["file_hash"] == toilets.hash
    rules = {f["rule"] for f in result["report"]["findings"]}
    assert {"value.lgcode_five_digits", "value.fullwidth", "text.wareki_date"} <= rules
    assert result["findings_matched"] == len(result["report"]["findings"])


def test_resource_report_filters_and_pages(client, toilets):
    errors = result_of(call_get(client, "quality_resource_show", resource_id=str(toilets.pk), severity="error"))
    assert {f["severity"] for f in errors["report"]["findings"]} == {"error"}
    one = result_of(call_post(client, "quality_resource_show", id=str(toilets.pk), rule="value.fullwidth"))
    assert [f["rule"] for f in one["report"]["findings"]] == ["value.fullwidth"]
    assert one["report"]["findings"][0]["message"]["ja"]
    page = result_of(call_get(client, "quality_resource_show", id=str(toilets.pk), limit=2, offset=1))
    assert len(page["report"]["findings"]) == 2 and page["findings_matched"] > 3
    error_of(call_get(client, "quality_resource_show", id=str(toilets.pk), severity="fatal"), 409, "Validation Error")
    error_of(call_get(client, "quality_resource_show"), 409, "Validation Error")


def test_private_and_missing_reports_are_not_found(client, hidden, member, city, django_capture_on_commit_callbacks):
    error_of(call_get(client, "quality_resource_show", id=str(hidden.pk)), 404, "Not Found Error")
    error_of(call_get(client, "quality_dataset_show", id="hidden-toilets"), 404, "Not Found Error")
    client.force_login(member)
    assert result_of(call_get(client, "quality_resource_show", id=str(hidden.pk)))["errors"] >= 2
    assert result_of(call_get(client, "quality_dataset_show", id="hidden-toilets"))["name"] == "hidden-toilets"
    from hiraku.catalog import services as catalog

    with django_capture_on_commit_callbacks(execute=True):
        link = catalog.add_resource(city, hidden.dataset, {"name": "リンク", "url": "https://example.jp/a.csv"})
    error_of(call_get(client, "quality_resource_show", id=str(link.pk)), 404, "Not Found Error")


def test_dataset_score(client, toilets):
    result = result_of(call_get(client, "quality_dataset_show", id=toilets.dataset.name))
    assert 0 <= result["score"] <= 100 and result["grade"] in "ABCDE" and result["max_score"] == 100
    by_id = {c["id"]: c for c in result["criteria"]}
    assert set(by_id) == {"license", "description", "frequency_stated", "frequency_met", "machine_readable",
                          "standard", "no_errors"}
    assert by_id["no_errors"]["met"] is False and by_id["no_errors"]["explanation"]["ja"]
    assert result["score"] == sum(c["points"] for c in result["criteria"])
    [resource] = result["resources"]
    assert resource["id"] == str(toilets.pk) and resource["report"]["errors"] >= 2


def test_organization_worst_first(client, toilets, hidden, city, django_capture_on_commit_callbacks):
    make_dataset(city, "described", notes="高松市の公衆トイレの一覧です。" * 5, update_frequency="ANNUAL")
    result = result_of(call_get(client, "quality_organization_show", id="takamatsu-city"))
    names = [d["name"] for d in result["datasets"]]
    assert "hidden-toilets" not in names and set(names) == {"toilets", "described"}
    scores = [d["score"] for d in result["datasets"]]
    assert scores == sorted(scores)
    client.force_login(city)
    result = result_of(call_get(client, "quality_organization_show", id="takamatsu-city"))
    assert result["count"] == 3
    error_of(call_get(client, "quality_organization_show", id="nowhere"), 404, "Not Found Error")
