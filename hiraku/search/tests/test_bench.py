import pytest

from hiraku.core.lgcode import is_valid_lgcode
from hiraku.search.bench import _parse_fq, generate, load_catalog, organizations, query_mix
from hiraku.search.service import SearchQuery, search


def test_organizations_carry_valid_local_government_codes():
    orgs = organizations(1)
    assert all(is_valid_lgcode(org.lgcode) for org in orgs)
    assert len({org.name for org in orgs}) == len(orgs)


def test_generation_is_deterministic_and_names_are_unique():
    first = [(d.id, d.title, d.tags) for d in generate(300, seed=5)]
    assert first == [(d.id, d.title, d.tags) for d in generate(300, seed=5)]
    assert len({d.name for d in generate(300, seed=5)}) == 300


def test_query_mix_uses_facet_filters_in_ckan_syntax():
    mix = query_mix(200, 3, ["city-372013"], ["公園"])
    filtered = [q for q in mix if "fq" in q]
    assert filtered and all(field in {"organization", "tags", "res_format", "groups"}
                            for q in filtered for field, _value in _parse_fq(q["fq"]))


def test_parse_fq_reads_quoted_values():
    assert _parse_fq('organization:"city-372013" tags:"Wi-Fi"') == [("organization", "city-372013"),
                                                                    ("tags", "Wi-Fi")]


@pytest.mark.django_db
def test_loaded_catalog_is_searchable():
    figures = load_catalog(120, seed=7, batch=50)
    expected = [d for d in generate(120, seed=7) if d.state != "deleted"]
    assert figures["indexed"] == len(expected)
    public_parks = [d for d in expected if d.state == "active" and not d.private
                    and any("公園" in text for text in (d.title, d.notes, *d.tags))]
    assert public_parks
    assert search(SearchQuery(q="公園", rows=0)).count == len(public_parks)
