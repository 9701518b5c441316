"""The real ckanapi client against a running server, over POST (its default) and GET."""

from __future__ import annotations

import ckanapi
import pytest


@pytest.fixture(params=[False, True], ids=["post", "get"])
def remote(request, live_server, catalog):
    with ckanapi.RemoteCKAN(live_server.url, get_only=request.param) as site:
        yield site


def test_package_search(remote):
    result = remote.action.package_search(q="*:*", fq="organization:takamatsu-city", rows=10,
                                          sort="metadata_modified desc", **{"facet.field": ["tags"]})
    assert result["count"] == 2
    assert [d["name"] for d in result["results"]] == ["aed-locations", "evacuation-sites"]
    assert result["facets"]["tags"]["防災"] == 1


def test_package_show_and_resource_show(remote):
    dataset = remote.action.package_show(id="evacuation-sites")
    assert dataset["organization"]["title"] == "高松市"
    resource = remote.action.resource_show(id=dataset["resources"][0]["id"])
    assert resource["package_id"] == dataset["id"]


def test_lists_and_shows(remote):
    assert remote.action.package_list() == ["aed-locations", "evacuation-sites", "population-2024"]
    assert remote.action.organization_list() == ["marugame-city", "takamatsu-city"]
    organizations = remote.action.organization_list(all_fields=True)
    assert {org["name"]: org["package_count"] for org in organizations} == {"marugame-city": 1, "takamatsu-city": 2}
    group = remote.action.group_show(id="disaster", include_datasets=True)
    assert group["package_count"] == 2 and len(group["packages"]) == 2
    assert "防災" in remote.action.tag_list()
    assert remote.action.status_show()["ckan_version"].startswith("2.")
    assert any(lic["id"] == "cc-by-4.0" for lic in remote.action.license_list())


def test_errors_become_ckanapi_exceptions(remote):
    with pytest.raises(ckanapi.errors.NotFound):
        remote.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.errors.NotFound):
        remote.action.package_show(id="staff-budget")
    with pytest.raises(ckanapi.errors.SearchQueryError):
        remote.action.package_search(fq="colour:blue")
    with pytest.raises(ckanapi.errors.ValidationError) as raised:
        remote.action.package_search(rows="abc")
    assert "rows" in raised.value.error_dict
