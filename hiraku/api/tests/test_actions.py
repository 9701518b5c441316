"""Every read action other than package_search, over GET and POST, with visibility rules."""

from __future__ import annotations

import pytest

from hiraku.catalog.licenses import LICENSES

from .helpers import call_get, call_post, error_of, result_of

CALLS = [call_get, call_post]


@pytest.mark.django_db
@pytest.mark.parametrize("call", CALLS)
def test_status_show(client, settings, call):
    settings.SITE_URL = "https://opendata.example.jp"
    status = result_of(call(client, "status_show"))
    assert status["site_url"] == "https://opendata.example.jp"
    assert status["site_title"] == settings.SITE_TITLE
    assert status["locale_default"] == "ja"
    assert status["ckan_version"].startswith("2.")
    assert status["extensions"] == []


@pytest.mark.django_db
@pytest.mark.parametrize("call", CALLS)
def test_license_list(client, call):
    licenses = result_of(call(client, "license_list"))
    assert [lic["id"] for lic in licenses] == [lic.id for lic in LICENSES]
    assert {"id", "title", "url", "od_conformance", "status"} <= set(licenses[0])


@pytest.mark.parametrize("call", CALLS)
def test_package_list_names_public_datasets_only(client, catalog, call):
    assert result_of(call(client, "package_list")) == ["aed-locations", "evacuation-sites", "population-2024"]
    client.force_login(catalog.member)
    assert "staff-budget" not in result_of(call(client, "package_list"))


def test_package_list_paging(client, catalog):
    assert result_of(call_get(client, "package_list", limit=1, offset=1)) == ["evacuation-sites"]
    assert result_of(call_post(client, "package_list", limit=2)) == ["aed-locations", "evacuation-sites"]
    error = error_of(call_get(client, "package_list", offset=-1, limit="many"), 409, "Validation Error")
    assert set(error) == {"__type", "offset", "limit"}


@pytest.mark.parametrize("call", CALLS)
def test_package_show_by_name_and_by_id(client, catalog, call):
    dataset = catalog.datasets["evacuation-sites"]
    by_name = result_of(call(client, "package_show", id="evacuation-sites"))
    by_id = result_of(call(client, "package_show", id=str(dataset.id)))
    assert by_name == by_id
    assert by_name["title"] == "指定緊急避難場所一覧"
    assert by_name["organization"]["name"] == "takamatsu-city"
    assert [tag["name"] for tag in by_name["tags"]] == ["避難所", "防災"]  # sorted by code point
    assert [group["name"] for group in by_name["groups"]] == ["disaster"]
    assert by_name["num_resources"] == 2


def test_package_show_links_uploaded_files_through_the_site(client, catalog):
    dataset = result_of(call_get(client, "package_show", id="evacuation-sites"))
    upload = next(r for r in dataset["resources"] if r["url_type"] == "upload")
    assert upload["url"].startswith("https://opendata.example.jp/dataset/evacuation-sites/resource/")
    assert upload["url"].endswith("/hinan.geojson")
    assert upload["size"] > 0 and upload["hash"].startswith("sha256:")


@pytest.mark.parametrize("call", CALLS)
def test_private_dataset_is_hidden_from_anonymous_and_other_organizations(client, catalog, call):
    error = error_of(call(client, "package_show", id="staff-budget"), 404, "Not Found Error")
    assert error["message"] == "Not found: staff-budget"
    client.force_login(catalog.outsider)
    error_of(call(client, "package_show", id="staff-budget"), 404, "Not Found Error")
    client.force_login(catalog.member)
    assert result_of(call(client, "package_show", id="staff-budget"))["private"] is True


def test_drafts_are_visible_to_their_editors_only(client, catalog):
    error_of(call_get(client, "package_show", id="draft-plan"), 404, "Not Found Error")
    client.force_login(catalog.member)
    assert result_of(call_get(client, "package_show", id="draft-plan"))["state"] == "draft"


def test_deleted_dataset_is_not_found(client, catalog):
    client.force_login(catalog.member)
    error_of(call_get(client, "package_show", id="removed-data"), 404, "Not Found Error")


@pytest.mark.django_db
@pytest.mark.parametrize("call", CALLS)
def test_package_show_needs_an_id(client, call):
    error = error_of(call(client, "package_show"), 409, "Validation Error")
    assert error == {"__type": "Validation Error", "id": ["Missing value"]}


@pytest.mark.django_db
def test_package_show_rejects_a_non_string_id(client):
    error_of(call_post(client, "package_show", id={"nested": True}), 409, "Validation Error")


@pytest.mark.parametrize("call", CALLS)
def test_resource_show(client, catalog, call):
    resource = catalog.dataset("aed-locations").resources.get()
    shown = result_of(call(client, "resource_show", id=str(resource.id)))
    assert shown["id"] == str(resource.id)
    assert shown["package_id"] == str(catalog.datasets["aed-locations"].id)
    assert shown["format"] == "CSV"


def test_resource_of_a_private_dataset_is_hidden(client, catalog):
    resource = catalog.dataset("staff-budget").resources.get()
    error_of(call_get(client, "resource_show", id=str(resource.id)), 404, "Not Found Error")
    client.force_login(catalog.member)
    assert result_of(call_get(client, "resource_show", id=str(resource.id)))["name"] == "予算"


def test_resource_show_with_a_malformed_id_is_not_found(client, catalog):
    error_of(call_get(client, "resource_show", id="not-a-uuid"), 404, "Not Found Error")
    error_of(call_get(client, "resource_show"), 409, "Validation Error")


@pytest.mark.parametrize("call", CALLS)
def test_organization_list_names_sorted_by_title(client, catalog, call):
    # 丸 (U+4E38) sorts before 高 (U+9AD8); the deleted organization is left out.
    assert result_of(call(client, "organization_list")) == ["marugame-city", "takamatsu-city"]
    assert result_of(call(client, "organization_list", sort="name desc")) == ["takamatsu-city", "marugame-city"]


def test_organization_list_all_fields_counts_visible_datasets(client, catalog):
    anonymous = result_of(call_get(client, "organization_list", all_fields="true"))
    assert {org["name"]: org["package_count"] for org in anonymous} == {"takamatsu-city": 2, "marugame-city": 1}
    assert anonymous[1]["title"] == "高松市" and anonymous[1]["is_organization"] is True
    client.force_login(catalog.member)
    member = result_of(call_post(client, "organization_list", all_fields=True, sort="package_count desc"))
    assert [(org["name"], org["package_count"]) for org in member] == [("takamatsu-city", 3), ("marugame-city", 1)]


def test_organization_list_filters_and_pages(client, catalog):
    assert result_of(call_post(client, "organization_list", organizations=["takamatsu-city"])) == ["takamatsu-city"]
    assert result_of(call_get(client, "organization_list", q="丸亀")) == ["marugame-city"]
    assert result_of(call_get(client, "organization_list", limit=1, offset=1)) == ["takamatsu-city"]
    without_counts = result_of(call_get(client, "organization_list", all_fields=1, include_dataset_count="false"))
    assert "package_count" not in without_counts[0]


def test_organization_list_rejects_bad_parameters(client, catalog):
    error = error_of(call_get(client, "organization_list", sort="created asc", limit="x"), 409, "Validation Error")
    assert set(error) == {"__type", "sort", "limit"}
    error_of(call_get(client, "organization_list", all_fields="maybe"), 409, "Validation Error")


@pytest.mark.parametrize("call", CALLS)
def test_organization_show(client, catalog, call):
    org = catalog.organizations["takamatsu-city"]
    by_name = result_of(call(client, "organization_show", id="takamatsu-city"))
    assert by_name["id"] == str(org.id)
    assert by_name["package_count"] == 2
    assert "packages" not in by_name
    by_id = result_of(call(client, "organization_show", id=str(org.id), include_datasets=True))
    assert sorted(p["name"] for p in by_id["packages"]) == ["aed-locations", "evacuation-sites"]


def test_organization_show_counts_private_datasets_for_members(client, catalog):
    client.force_login(catalog.member)
    shown = result_of(call_get(client, "organization_show", id="takamatsu-city", include_datasets="true"))
    assert shown["package_count"] == 3
    assert "staff-budget" in [p["name"] for p in shown["packages"]]


def test_organization_show_missing_or_deleted(client, catalog):
    error = error_of(call_get(client, "organization_show", id="nowhere"), 404, "Not Found Error")
    assert error["message"] == "Not found: organization nowhere"
    error_of(call_get(client, "organization_show", id="closed-office"), 404, "Not Found Error")
    error_of(call_get(client, "organization_show"), 409, "Validation Error")


@pytest.mark.parametrize("call", CALLS)
def test_group_list_and_show(client, catalog, call):
    # By title: 健康・福祉 (健 U+5065) before 防災 (防 U+9632).
    assert result_of(call(client, "group_list")) == ["health", "disaster"]
    groups = result_of(call(client, "group_list", all_fields=True, sort="name asc"))
    assert [(g["name"], g["package_count"], g["is_organization"]) for g in groups] == [
        ("disaster", 2, False), ("health", 1, False)]
    shown = result_of(call(client, "group_show", id="disaster", include_datasets=True))
    assert shown["title"] == "防災" and shown["package_count"] == 2
    assert sorted(p["name"] for p in shown["packages"]) == ["aed-locations", "evacuation-sites"]
    error_of(call(client, "group_show", id="takamatsu-city"), 404, "Not Found Error")


def test_group_counts_include_private_datasets_for_members(client, catalog):
    client.force_login(catalog.member)
    groups = result_of(call_get(client, "group_list", all_fields=True, sort="package_count desc"))
    assert [(g["name"], g["package_count"]) for g in groups] == [("disaster", 3), ("health", 1)]
    assert result_of(call_get(client, "group_show", id="disaster"))["package_count"] == 3


@pytest.mark.parametrize("call", CALLS)
def test_tag_list_hides_tags_of_invisible_datasets(client, catalog, call):
    tags = result_of(call(client, "tag_list"))
    assert "防災" in tags and "AED" in tags
    assert "予算" not in tags and "内部専用" not in tags
    client.force_login(catalog.member)
    assert "内部専用" in result_of(call(client, "tag_list"))


def test_tag_list_query_and_all_fields(client, catalog):
    assert result_of(call_get(client, "tag_list", query="aed")) == ["AED"]
    detailed = result_of(call_post(client, "tag_list", query="防", all_fields=True))
    assert [tag["name"] for tag in detailed] == ["防災"]
    assert detailed[0]["vocabulary_id"] is None
    error_of(call_get(client, "tag_list", vocabulary_id="country_codes"), 404, "Not Found Error")
