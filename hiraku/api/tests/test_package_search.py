"""package_search through the search service: parameters, results, facets, visibility."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hiraku.search import service as search_service

from .helpers import call_get, call_post, error_of, result_of

CALLS = [call_get, call_post]
PUBLIC = {"evacuation-sites", "aed-locations", "population-2024"}


def names(result) -> set[str]:
    return {dataset["name"] for dataset in result["results"]}


@pytest.fixture
def sent_queries(monkeypatch):
    """The SearchQuery objects package_search hands to the search service."""
    queries = []
    real_search = search_service.search

    def recording_search(query, user=None):
        queries.append(query)
        return real_search(query, user)

    monkeypatch.setattr(search_service, "search", recording_search)
    return queries


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("q", ["", "*:*"])
def test_everything_public_by_default(client, catalog, call, q):
    result = result_of(call(client, "package_search", q=q))
    assert result["count"] == 3
    assert names(result) == PUBLIC
    assert result["sort"] == "score desc, metadata_modified desc"
    assert result["facets"] == {} and result["search_facets"] == {}


def test_results_are_full_package_dicts_in_search_order(client, catalog, sent_queries):
    result = result_of(call_get(client, "package_search", sort="metadata_modified desc"))
    assert sent_queries[-1].sort == "modified_desc"
    assert [d["name"] for d in result["results"]] == ["population-2024", "aed-locations", "evacuation-sites"]
    shown = result_of(call_get(client, "package_show", id="aed-locations"))
    assert result["results"][1] == shown


def test_results_follow_the_order_the_search_service_returns(client, catalog, monkeypatch):
    wanted = [catalog.datasets[name].pk for name in ("evacuation-sites", "population-2024", "aed-locations")]
    monkeypatch.setattr(search_service, "search",
                        lambda query, user=None: search_service.SearchResult(count=3, dataset_ids=wanted, facets={}))
    result = result_of(call_get(client, "package_search"))
    assert [d["id"] for d in result["results"]] == [str(pk) for pk in wanted]


@pytest.mark.parametrize("call", CALLS)
def test_free_text_and_filters_in_q(client, catalog, call):
    assert names(result_of(call(client, "package_search", q="避難"))) == {"evacuation-sites"}
    assert names(result_of(call(client, "package_search", q="organization:marugame-city"))) == {"population-2024"}
    assert names(result_of(call(client, "package_search", q="tags:防災 避難"))) == {"evacuation-sites"}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("fq, expected", [
    ("organization:takamatsu-city", {"evacuation-sites", "aed-locations"}),
    ('tags:"防災"', {"evacuation-sites"}),
    ("+groups:disaster", {"evacuation-sites", "aed-locations"}),
    ("groups:disaster groups:health", {"aed-locations"}),
    ("res_format:CSV", {"evacuation-sites", "aed-locations"}),
    ("license_id:pdl-1.0", {"population-2024"}),
    ("standard_type:aed", {"aed-locations"}),
    ("dataset_type:dataset organization:marugame-city", {"population-2024"}),
    ("dataset_type:harvest", set()),
])
def test_fq_filters(client, catalog, call, fq, expected):
    result = result_of(call(client, "package_search", fq=fq))
    assert names(result) == expected and result["count"] == len(expected)


def test_fq_list_combines_with_fq(client, catalog):
    result = result_of(call_post(client, "package_search", fq="organization:takamatsu-city",
                                 fq_list=["res_format:CSV", "groups:health"]))
    assert names(result) == {"aed-locations"}
    result = result_of(client.get("/api/3/action/package_search",
                                  {"fq_list": ["organization:takamatsu-city", "tags:AED"]}))
    assert names(result) == {"aed-locations"}


def test_owner_org_by_id(client, catalog):
    org_id = str(catalog.organizations["marugame-city"].id)
    assert names(result_of(call_get(client, "package_search", fq=f'owner_org:"{org_id}"'))) == {"population-2024"}
    missing = "00000000-0000-4000-8000-000000000000"
    assert result_of(call_get(client, "package_search", fq=f"owner_org:{missing}"))["count"] == 0


def test_modified_range_reaches_the_search_service(client, catalog, sent_queries):
    result_of(call_get(client, "package_search", fq="metadata_modified:[2024-05-01T00:00:00Z TO *]"))
    assert sent_queries[-1].modified_from.isoformat() == "2024-05-01T00:00:00+00:00"
    assert sent_queries[-1].modified_to is None


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("fq, expected", [
    ("metadata_modified:[2024-05-01T00:00:00Z TO *]", {"aed-locations", "population-2024"}),
    ("metadata_modified:[* TO 2024-05-01T00:00:00Z]", {"evacuation-sites"}),
    ("metadata_modified:[2024-05-01T00:00:00Z TO 2024-12-31T23:59:59Z] organization:takamatsu-city",
     {"aed-locations"}),
    ("metadata_modified:{2024-06-01T09:00:00Z TO *]", {"population-2024"}),
])
def test_modified_range_filters(client, catalog, call, fq, expected):
    assert names(result_of(call(client, "package_search", fq=fq))) == expected


@pytest.mark.parametrize("call", CALLS)
def test_paging(client, catalog, call):
    first = result_of(call(client, "package_search", rows=2, sort="metadata_modified desc"))
    second = result_of(call(client, "package_search", rows=2, start=2, sort="metadata_modified desc"))
    assert first["count"] == second["count"] == 3
    assert len(first["results"]) == 2 and len(second["results"]) == 1
    assert names(first) | names(second) == PUBLIC
    empty = result_of(call(client, "package_search", rows=0))
    assert empty["count"] == 3 and empty["results"] == []


def test_rows_are_capped_and_parameters_reach_the_search(client, catalog, sent_queries):
    result_of(call_get(client, "package_search", rows=5000, start=1, sort="name asc", q="公園",
                       include_drafts="true", **{"facet.limit": -1, "facet.mincount": 2,
                                                  "facet.field": '["tags", "organization"]'}))
    query = sent_queries[-1]
    assert (query.rows, query.start, query.sort, query.q) == (1000, 1, "name_asc", "公園")
    assert query.facet_fields == ("tags", "organization")
    assert query.facet_limit == -1 and query.facet_mincount == 2
    assert query.include_drafts is True and query.include_private is False


@pytest.mark.parametrize("call", CALLS)
def test_wrong_types_are_validation_errors(client, catalog, call):
    error = error_of(call(client, "package_search", rows="abc", start=-1, include_private="perhaps",
                          **{"facet.limit": "x"}), 409, "Validation Error")
    assert set(error) == {"__type", "rows", "start", "include_private", "facet.limit"}
    error = error_of(call(client, "package_search", **{"facet.field": "[not json"}), 409, "Validation Error")
    assert set(error) == {"__type", "facet.field"}


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("params", [
    {"fq": "colour:blue"},
    {"fq": "organization:a OR organization:b"},
    {"sort": "colour desc"},
    {"facet.field": '["colour"]'},
    {"fq": "metadata_modified:[last-week TO *]"},
])
def test_search_query_errors(client, catalog, call, params):
    error_of(call(client, "package_search", **params), 400, "Search Query Error")


def test_facets_and_search_facets(client, catalog):
    fields = ["organization", "groups", "tags", "res_format", "license_id", "standard_type"]
    result = result_of(call_get(client, "package_search", **{"facet.field": json.dumps(fields)}))
    assert result["facets"]["organization"] == {"takamatsu-city": 2, "marugame-city": 1}
    assert result["facets"]["res_format"]["CSV"] == 2
    organizations = result["search_facets"]["organization"]
    assert organizations["title"] == "organization"
    assert {"name": "takamatsu-city", "display_name": "高松市", "count": 2} in organizations["items"]
    groups = {item["name"]: item for item in result["search_facets"]["groups"]["items"]}
    assert groups["disaster"]["display_name"] == "防災" and groups["disaster"]["count"] == 2
    licenses = {item["name"]: item["display_name"] for item in result["search_facets"]["license_id"]["items"]}
    assert licenses["pdl-1.0"] == "公共データ利用規約（第1.0版）"
    tags = {item["name"]: item for item in result["search_facets"]["tags"]["items"]}
    assert tags["防災"]["display_name"] == "防災" and "予算" not in tags


def test_facet_limit_mincount_and_list_body(client, catalog):
    result = result_of(call_post(client, "package_search", **{"facet.field": ["organization"], "facet.limit": 1}))
    assert result["facets"] == {"organization": {"takamatsu-city": 2}}
    result = result_of(call_post(client, "package_search", **{"facet.field": ["groups"], "facet.mincount": 2}))
    assert result["facets"] == {"groups": {"disaster": 2}}
    result = result_of(call_get(client, "package_search", facet="false", **{"facet.field": '["tags"]'}))
    assert result["facets"] == {} and result["search_facets"] == {}


@pytest.fixture
def graded(catalog, django_capture_on_commit_callbacks):
    """Stored quality scores with known grades (the search index follows them on commit)."""
    from hiraku.quality.models import DatasetScore

    grades = {"evacuation-sites": ("A", 95), "aed-locations": ("C", 60), "population-2024": ("C", 55),
              "staff-budget": ("A", 90)}
    with django_capture_on_commit_callbacks(execute=True):
        for name, (grade, score) in grades.items():
            DatasetScore.objects.update_or_create(dataset=catalog.dataset(name),
                                                  defaults={"score": score, "grade": grade})
    cache.clear()
    return catalog


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("fq, expected", [
    ("quality_grade:A", {"evacuation-sites"}),
    ("quality_grade:C", {"aed-locations", "population-2024"}),
    ("quality_grade:C organization:takamatsu-city", {"aed-locations"}),
    ("quality_grade:E", set()),
])
def test_fq_quality_grade(client, graded, call, fq, expected):
    result = result_of(call(client, "package_search", fq=fq))
    assert names(result) == expected and result["count"] == len(expected)


def test_quality_grade_facet_counts(client, graded):
    result = result_of(call_get(client, "package_search", **{"facet.field": '["quality_grade", "organization"]'}))
    assert result["facets"]["quality_grade"] == {"C": 2, "A": 1}
    items = result["search_facets"]["quality_grade"]
    assert items["title"] == "quality_grade"
    assert items["items"] == [{"name": "C", "display_name": "C", "count": 2},
                              {"name": "A", "display_name": "A", "count": 1}]
    client.force_login(graded.member)
    result = result_of(call_post(client, "package_search", include_private=True, **{"facet.field": ["quality_grade"]}))
    assert result["facets"] == {"quality_grade": {"A": 2, "C": 2}}
    # Like CKAN, no facets unless asked for: the new field is not a default either.
    assert result_of(call_get(client, "package_search"))["facets"] == {}


def test_private_datasets_need_membership_and_include_private(client, catalog):
    anonymous = result_of(call_get(client, "package_search", include_private="true"))
    assert "staff-budget" not in names(anonymous)
    client.force_login(catalog.outsider)
    assert "staff-budget" not in names(result_of(call_get(client, "package_search", include_private="true")))
    client.force_login(catalog.member)
    assert "staff-budget" not in names(result_of(call_get(client, "package_search")))
    with_private = result_of(call_post(client, "package_search", include_private=True))
    assert names(with_private) == PUBLIC | {"staff-budget"}
    assert with_private["count"] == 4


def test_drafts_need_an_editor_and_include_drafts(client, catalog):
    assert "draft-plan" not in names(result_of(call_get(client, "package_search", include_drafts="true")))
    client.force_login(catalog.member)
    assert "draft-plan" in names(result_of(call_get(client, "package_search", include_drafts="true")))


def test_the_page_is_fetched_in_a_constant_number_of_queries(client, catalog):
    def queries_for(rows: int) -> int:
        cache.clear()  # result pages are cached; measure the uncached path every time
        with CaptureQueriesContext(connection) as captured:
            result_of(call_get(client, "package_search", rows=rows, sort="metadata_modified desc"))
        return len(captured)

    queries_for(1)  # warm-up: backends may run one-time set-up queries
    assert queries_for(1) == queries_for(3)
