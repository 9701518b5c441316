"""The quality grade facet: filled from the stored dataset score and kept true
when the score is stored, changed or removed (re-indexed only when the grade changes)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command

from hiraku.quality import services as quality
from hiraku.quality.models import DatasetScore
from hiraku.search.documents import FACET_CODES, build_documents
from hiraku.search.service import FACET_FIELDS, SearchQuery, index_dataset, search

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # counts are cached by index generation, which restarts with each test's database


def grades() -> dict[str, int]:
    return dict(search(SearchQuery(facet_fields=("quality_grade",))).facets["quality_grade"])


def names_with_grade(grade: str) -> set[str]:
    ids = search(SearchQuery(filters={"quality_grade": [grade]}, facet_fields=())).dataset_ids
    return set(DatasetScore.objects.filter(dataset_id__in=ids).values_list("dataset__name", flat=True))


def store(catalog, dataset, grade: str, score: int) -> None:
    catalog.run(DatasetScore.objects.update_or_create, dataset=dataset, defaults={"score": score, "grade": grade})


def test_the_field_is_appended():
    assert FACET_FIELDS[:6] == ("organization", "groups", "tags", "res_format", "license_id", "standard_type")
    assert FACET_CODES["quality_grade"] == 6


def test_the_stored_grade_is_a_facet(catalog):
    dataset = catalog.add("parks", title="公園一覧")
    stored = DatasetScore.objects.get(dataset=dataset)  # stored after the creating transaction committed
    assert stored.grade == quality.dataset_quality(dataset).score.grade
    assert (FACET_CODES["quality_grade"], stored.grade) in build_documents([dataset.pk])[0].facets
    assert grades() == {stored.grade: 1}
    assert names_with_grade(stored.grade) == {"parks"}


def test_a_new_grade_reindexes_and_an_unchanged_one_does_not(catalog, index_calls):
    parks = catalog.add("parks", title="公園一覧")
    toilets = catalog.add("toilets", title="トイレ一覧")
    store(catalog, parks, "A", 95)
    store(catalog, toilets, "C", 60)
    index_calls.clear()
    store(catalog, parks, "A", 92)  # another score, the same grade
    assert index_calls == []
    assert grades() == {"A": 1, "C": 1}
    store(catalog, parks, "D", 30)
    assert index_calls == [[parks.pk]]
    assert grades() == {"C": 1, "D": 1}
    assert names_with_grade("A") == set()
    assert names_with_grade("D") == {"parks"}


def test_a_removed_score_removes_the_grade(catalog):
    parks = catalog.add("parks", title="公園一覧")
    store(catalog, parks, "B", 80)
    catalog.run(DatasetScore.objects.filter(dataset=parks).delete)
    assert (FACET_CODES["quality_grade"], "B") not in build_documents([parks.pk])[0].facets
    assert grades() == {}
    assert search(SearchQuery(filters={"quality_grade": ["B"]})).count == 0
    assert search(SearchQuery()).count == 1


def test_grades_follow_visibility(catalog):
    public = catalog.add("public", title="公開")
    hidden = catalog.add("hidden", title="非公開", private=True)
    store(catalog, public, "A", 100)
    store(catalog, hidden, "A", 100)
    assert grades() == {"A": 1}
    assert dict(search(SearchQuery(facet_fields=("quality_grade",), include_private=True),
                       catalog.member).facets["quality_grade"]) == {"A": 2}


def test_quality_refresh_corrects_a_stale_grade_in_the_index(catalog):
    parks = catalog.add("parks", title="公園一覧")
    right = DatasetScore.objects.get(dataset=parks).grade
    wrong = "A" if right != "A" else "E"
    DatasetScore.objects.filter(dataset=parks).update(grade=wrong)  # no signals: the index is not told
    index_dataset(parks.pk)
    assert grades() == {wrong: 1}
    out = StringIO()
    catalog.run(call_command, "quality_refresh", stdout=out)
    assert "scored 1 datasets" in out.getvalue()
    assert grades() == {right: 1}
