"""Facet counts of the match-all query (index totals minus hidden documents)
equal a direct count over the visible documents, for every visibility class."""

from __future__ import annotations

import pytest
from django.db import connection

from hiraku.catalog.models import Group
from hiraku.search.backends import get_backend
from hiraku.search.models import SearchDocument
from hiraku.search.service import SearchQuery, search

# Every test runs on the SQL path and on the in-memory snapshot (see conftest.search_path).
pytestmark = pytest.mark.usefixtures("search_path")


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


def assert_facet_lists_match_facet_rows() -> None:
    """search_doc_facet_list holds, for every indexed document, exactly its search_doc_facet values."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT doc_id, value_id FROM search_doc_facet")
        rows: dict[int, set[int]] = {}
        for doc_id, value_id in cursor.fetchall():
            rows.setdefault(doc_id, set()).add(value_id)
        cursor.execute("SELECT doc_id, value_ids FROM search_doc_facet_list")
        lists = {doc_id: {int(v) for v in text.split(",") if v} for doc_id, text in cursor.fetchall()}
    documents = set(SearchDocument.objects.values_list("id", flat=True))
    assert rows and set(lists) == documents
    assert lists == {doc: rows.get(doc, set()) for doc in documents}


@pytest.mark.django_db
def test_each_documents_facet_list_holds_its_facet_rows_through_changes(mixed):
    from hiraku.catalog import services

    assert_facet_lists_match_facet_rows()
    mixed.run(services.update_dataset, mixed.admin, mixed.datasets["public-b"],
              {"title": "公園", "name": "public-b", "organization": "takamatsu", "notes": "", "tags": "遊具",
               "groups": [], "license_id": "cc-zero", "standard_type": "", "update_frequency": "IRREG",
               "state": "active", "private": False})
    mixed.run(services.delete_dataset, mixed.admin, mixed.datasets["draft-a"])
    assert_facet_lists_match_facet_rows()
    get_backend().rebuild()
    assert_facet_lists_match_facet_rows()


def test_value_id_lists_are_counted_per_document():
    from hiraku.search.backends.base import count_value_ids

    assert count_value_ids(["3,17,5", "", "17", "5,17"]) == {3: 1, 17: 3, 5: 2}
    assert count_value_ids([]) == {} and count_value_ids(["", ""]) == {}


@pytest.mark.django_db
def test_the_migration_fills_facet_lists_from_existing_facet_rows(mixed):
    from importlib import import_module

    migration = import_module("hiraku.search.migrations.0004_facet_lists")
    statements = {"sqlite": migration.SQLITE_FORWARD, "postgresql": migration.POSTGRES_FORWARD}[connection.vendor]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE search_doc_facet_list")
        for statement in statements:
            cursor.execute(statement)
    assert_facet_lists_match_facet_rows()
