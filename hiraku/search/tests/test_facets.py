"""Facet counts of the match-all query (index totals minus hidden documents)
equal a direct count over the visible documents, for every visibility class."""

from __future__ import annotations

import pytest
from django.db import connection

from hiraku.catalog.models import Group
from hiraku.search.backends import get_backend
from hiraku.search.models import SearchDocument
from hiraku.search.service import SearchQuery, search


@pytest.fixture
def mixed(catalog):
    bosai = Group.objects.get(name="bosai")
    catalog.add("public-a", title="避難所", tags="防災, 避難所", groups=[bosai])
    catalog.add("public-b", organization="marugame", title="公園", tags="公園")
    catalog.add("private-a", title="内部", tags="防災, 内部", private=True, groups=[bosai])
    catalog.add("draft-a", organization="marugame", title="下書き", tags="公園", state="draft")
    catalog.add_resource(catalog.datasets["public-a"], "CSV")
    catalog.add_resource(catalog.datasets["private-a"], "XLSX")
    return catalog


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "member", "admin", "outsider"])
@pytest.mark.parametrize(("include_private", "include_drafts"), [(False, False), (True, False), (True, True)])
def test_match_all_counts_equal_a_direct_count(mixed, who, include_private, include_drafts):
    user = None if who == "anonymous" else getattr(mixed, who)
    backend = get_backend()
    query = SearchQuery(include_private=include_private, include_drafts=include_drafts)
    where = backend._where(query, user)
    if where is None:
        return
    conditions, params, _phrases = where
    assert len(conditions) == 1
    sql_where = conditions[0]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {SearchDocument._meta.db_table} WHERE {sql_where}", params)
        direct_count = cursor.fetchone()[0]
    direct = {k: v for k, v in backend._facet_counts(sql_where, params).items() if v}
    count, counts = backend._match_all_counts(backend.generation(), sql_where, params)
    assert count == direct_count
    assert {k: v for k, v in counts.items() if v} == direct
    result = search(query, user)
    assert result.count == direct_count
    assert all(n > 0 for values in result.facets.values() for _value, n in values)


@pytest.mark.django_db
def test_anonymous_facets_leave_out_private_and_drafts(mixed):
    facets = search(SearchQuery()).facets
    assert dict(facets["tags"]) == {"防災": 1, "避難所": 1, "公園": 1}
    assert dict(facets["res_format"]) == {"CSV": 1}
    assert dict(facets["organization"]) == {"takamatsu": 1, "marugame": 1}
