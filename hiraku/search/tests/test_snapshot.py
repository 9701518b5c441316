"""The in-memory snapshot of the index answers exactly as the SQL path does."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection

from hiraku.catalog.models import Capacity, Dataset, Membership, Organization
from hiraku.search import snapshot as snapshots
from hiraku.search.bench import all_tags, load_catalog, organizations, query_mix
from hiraku.search.service import FACET_FIELDS, SORTS, SearchQuery, index_datasets, rebuild_index, search

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="the snapshot serves the SQLite backend")


@pytest.fixture(scope="module")
def synthetic(django_db_setup, django_db_blocker):
    """1,500 synthetic datasets (private, draft and deleted ones among them), shared by this module."""
    with django_db_blocker.unblock():
        figures = load_catalog(1500, seed=11, batch=500)
    yield figures
    with django_db_blocker.unblock():
        from django.core.management import call_command

        call_command("flush", interactive=False)
        rebuild_index()  # the FTS and facet tables are no models: flush leaves them


def both_ways(settings, run):
    """The same call answered by SQL and by a snapshot built for it."""
    settings.HIRAKU_SEARCH_SNAPSHOT = "off"
    cache.clear()
    by_sql = run()
    settings.HIRAKU_SEARCH_SNAPSHOT = "inline"
    settings.HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = 0
    snapshots.forget_snapshots()
    cache.clear()
    by_snapshot = run()
    return by_sql, by_snapshot


@pytest.fixture
def snapshot_used(monkeypatch):
    """Counts the searches a snapshot answered, so a test can tell it did not fall back to SQL."""
    calls = []
    original = snapshots.IndexSnapshot.count_and_facets_for

    def counting(self, *args, **kwargs):
        calls.append(self.generation)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(snapshots.IndexSnapshot, "count_and_facets_for", counting)
    return calls


@pytest.mark.django_db
def test_the_benchmark_query_mix_gives_the_same_answers(synthetic, client, settings, snapshot_used):
    orgs = [org.name for org in organizations(11)]
    mix = query_mix(150, 11, orgs, all_tags())
    for params in mix:
        by_sql, by_snapshot = both_ways(settings, lambda p=params: client.get("/api/3/action/package_search", p))
        assert by_sql.status_code == by_snapshot.status_code == 200
        expected, actual = by_sql.json()["result"], by_snapshot.json()["result"]
        assert actual["count"] == expected["count"], params
        assert [p["id"] for p in actual["results"]] == [p["id"] for p in expected["results"]], params
        assert actual["search_facets"] == expected["search_facets"], params
    assert len(snapshot_used) >= 100


@pytest.mark.django_db
@pytest.mark.parametrize("sort", sorted(set(SORTS.values())))
@pytest.mark.parametrize("q", ["", "統計", "公園 地図", "AED"])
def test_every_sort_pages_the_same(synthetic, settings, sort, q):
    for start in (0, 7, 40):
        query = SearchQuery(q=q, sort=sort, start=start, rows=15)
        by_sql, by_snapshot = both_ways(settings, lambda query=query: search(query))
        assert by_snapshot.dataset_ids == by_sql.dataset_ids
        assert by_snapshot.count == by_sql.count


@pytest.mark.django_db
def test_visibility_classes_are_kept_apart(synthetic, settings):
    users = get_user_model().objects
    admin = users.create_superuser("snapshot-admin", "a@example.jp", None)
    member = users.create_user("snapshot-member", "m@example.jp", None)
    Membership.objects.create(user=member, organization=Organization.objects.order_by("name").first(),
                              capacity=Capacity.MEMBER)
    cases = [(None, False, False), (member, True, True), (admin, True, True), (admin, False, True)]
    for user, include_private, include_drafts in cases:
        query = SearchQuery(q="一覧", include_private=include_private, include_drafts=include_drafts,
                            facet_fields=FACET_FIELDS, rows=30)
        by_sql, by_snapshot = both_ways(settings, lambda query=query, user=user: search(query, user))
        assert (by_snapshot.count, by_snapshot.dataset_ids, by_snapshot.facets) == (
            by_sql.count, by_sql.dataset_ids, by_sql.facets)
    anonymous = search(SearchQuery(q="一覧", rows=0))
    assert search(SearchQuery(q="一覧", rows=0, include_private=True, include_drafts=True), admin).count > anonymous.count


@pytest.mark.django_db
def test_an_index_change_is_answered_by_sql_until_its_snapshot_is_built(synthetic, settings, monkeypatch):
    settings.HIRAKU_SEARCH_SNAPSHOT = "inline"
    settings.HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = 0
    snapshots.forget_snapshots()
    before = search(SearchQuery(q="統計", rows=0)).count
    old = snapshots._current["default"]
    assert isinstance(old, snapshots.IndexSnapshot)

    settings.HIRAKU_SEARCH_SNAPSHOT = "background"
    started = []
    monkeypatch.setattr(snapshots, "_build_in_background", lambda using, generation, warm=None: started.append(generation))
    dataset = Dataset.objects.filter(state="active", private=False, title__contains="統計").first()
    dataset.state = "deleted"
    dataset.save()
    index_datasets([dataset.pk])
    cache.clear()
    assert search(SearchQuery(q="統計", rows=0)).count == before - 1
    assert started and started[0] != old.generation
    assert snapshots._current["default"] is old  # kept until the new one replaces it, never answered from


def test_small_catalogs_keep_the_sql_path(db, settings):
    from hiraku.search.models import SearchDocument

    settings.HIRAKU_SEARCH_SNAPSHOT = "inline"
    settings.HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = SearchDocument.objects.count() + 1
    snapshots.forget_snapshots()
    from hiraku.search.backends import get_backend

    backend = get_backend()
    assert snapshots.snapshot_for(backend, backend.generation()) is None


def test_facet_counts_gathered_per_hit_equal_the_masked_count():
    import numpy as np

    snapshot = snapshots.IndexSnapshot(
        "default", 1, doc_ids=np.array([3, 5, 8, 9], dtype=np.int64),
        entry_offsets=np.array([0, 2, 2, 5, 6], dtype=np.int64),
        entry_values=np.array([1, 2, 1, 3, 4, 2], dtype=np.int32), value_names={})
    for hits in ([True, False, True, False], [False, True, False, False], [True, True, True, True]):
        mask = np.array(hits)
        expected = {}
        for position in np.flatnonzero(mask):
            for value in snapshot.entry_values[snapshot.entry_offsets[position]:snapshot.entry_offsets[position + 1]]:
                expected[int(value)] = expected.get(int(value), 0) + 1
        assert snapshot.count_and_facets(mask) == (int(mask.sum()), expected)


def test_cached_parts_are_bounded_by_their_bytes():
    import numpy as np

    cache_ = snapshots._Lru(limit=100, max_bytes=3000)
    for key in range(5):
        cache_.get_or_compute(key, lambda: (np.zeros(100), np.zeros(100)))  # 1,600 bytes each
    assert list(cache_) == [4]
    assert cache_.bytes == 1600
    assert cache_.get_or_compute(4, lambda: pytest.fail("recomputed")) is cache_[4]


@pytest.mark.django_db
def test_builds_run_one_at_a_time_and_pause_while_the_index_keeps_changing(synthetic, settings, monkeypatch):
    from hiraku.search.backends import get_backend

    settings.HIRAKU_SEARCH_SNAPSHOT = "background"
    settings.HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS = 0
    snapshots.forget_snapshots()
    started = []
    monkeypatch.setattr(snapshots, "_build_in_background",
                        lambda using, generation, warm=None: started.append(generation))
    backend = get_backend()
    assert snapshots.snapshot_for(backend, 1) is None
    assert snapshots.snapshot_for(backend, 2) is None  # the first build still runs
    snapshots._building.clear()  # it finished
    assert snapshots.snapshot_for(backend, 3) is None  # too soon after it started
    snapshots._started_at["default"] -= snapshots.REBUILD_INTERVAL_SECONDS
    assert snapshots.snapshot_for(backend, 4) is None
    assert started == [1, 4]
    snapshots.forget_snapshots()
