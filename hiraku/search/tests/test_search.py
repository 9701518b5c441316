"""Search behaviour through the public service, identical on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from hiraku.catalog import services
from hiraku.catalog.models import Dataset, Group, Organization
from hiraku.catalog.permissions import visible_datasets_q
from hiraku.search.backends import UnknownSort, get_backend
from hiraku.search.service import FACET_FIELDS, SORTS, SearchQuery, rebuild_index, search

# Every test runs on the SQL path and on the in-memory snapshot (see conftest.search_path).
pytestmark = pytest.mark.usefixtures("search_path")


def names(result) -> list[str]:
    by_id = dict(Dataset.objects.filter(id__in=result.dataset_ids).values_list("id", "name"))
    return [by_id[i] for i in result.dataset_ids]


def found(q: str, **kwargs) -> set[str]:
    return set(names(search(SearchQuery(q=q, rows=100, **kwargs))))


@pytest.fixture
def city(catalog):
    catalog.add("station-map", title="駅周辺案内図", notes="高松駅の周辺地図です。")
    catalog.add("bus-stops", title="バス停留所一覧", notes="路線バスの停留所の位置。", tags="交通, バス",
                groups=["kotsu"])
    catalog.add("parks", title="公園一覧", notes="市内の都市公園。", tags="公園", groups=["bosai"],
                standard_type="public_facility")
    catalog.add("aed", title="ＡＥＤ設置箇所一覧", notes="AED の設置場所", tags="AED, 防災", groups=["bosai"],
                standard_type="aed")
    catalog.add("wifi", title="Wi-Fi スポット", notes="公衆無線LAN", tags="Wi-Fi")
    catalog.add("kana", title="ｶﾅ表記テスト", notes="半角カナのデータ")
    catalog.add("passport", title="パスポート申請窓口", notes="旅券の申請")
    return catalog


@pytest.mark.django_db
class TestJapaneseMatching:
    def test_one_character_query(self, city):
        assert found("駅") == {"station-map"}

    def test_two_character_queries(self, city):
        assert found("バス") == {"bus-stops"}
        assert found("公園") == {"parks"}

    def test_two_characters_do_not_match_a_voiced_variant(self, city):
        # パス (passport) is a different word from バス (bus).
        assert "passport" not in found("バス")
        assert found("パス") == {"passport"}

    def test_full_and_half_width_latin(self, city):
        assert found("AED") == found("ＡＥＤ") == found("aed") == {"aed"}

    def test_half_and_full_width_kana(self, city):
        assert found("カナ") == found("ｶﾅ") == {"kana"}

    def test_mixed_scripts(self, city):
        assert found("AED設置") == {"aed"}
        assert found("Wi-Fi スポット") == {"wifi"}

    def test_multi_word_query_is_an_and(self, city):
        assert found("公園 一覧") == {"parks"}
        assert found("公園 バス") == set()

    def test_three_characters_need_the_whole_word(self, city):
        assert found("停留所") == {"bus-stops"}
        assert found("停留場") == set()

    def test_organization_title_is_searchable(self, city):
        assert found("高松市") == set(city.datasets)

    def test_empty_query_lists_everything_visible(self, city):
        assert search(SearchQuery(q="")).count == len(city.datasets)
        assert search(SearchQuery(q="*:*")).count == len(city.datasets)


@pytest.mark.django_db
class TestRanking:
    def test_title_hit_ranks_above_tag_and_description_hits(self, catalog):
        catalog.add("in-notes", title="統計データ", notes="避難所の一覧を含みます")
        catalog.add("in-tags", title="防災資料", tags="避難所")
        catalog.add("in-title", title="避難所一覧")
        result = search(SearchQuery(q="避難所"))
        assert names(result) == ["in-title", "in-tags", "in-notes"]


@pytest.mark.django_db
class TestFacetsAndFilters:
    @pytest.fixture
    def faceted(self, city):
        city.add("marugame-parks", organization="marugame", title="丸亀市の公園", tags="公園",
                 license_id="cc-zero", groups=["bosai"])
        city.add_resource(city.datasets["parks"], "CSV", "parks-csv")
        city.add_resource(city.datasets["parks"], "PDF", "parks-pdf")
        city.add_resource(city.datasets["marugame-parks"], "CSV", "m-csv")
        return city

    def test_facet_counts_over_all_hits(self, faceted):
        result = search(SearchQuery(q="公園", rows=1))
        assert result.count == 2 and len(result.dataset_ids) == 1
        assert result.facets["organization"] == [("marugame", 1), ("takamatsu", 1)]
        assert result.facets["res_format"] == [("CSV", 2), ("PDF", 1)]
        assert result.facets["groups"] == [("bosai", 2)]
        assert result.facets["license_id"] == [("cc-by-4.0", 1), ("cc-zero", 1)]
        assert result.facets["standard_type"] == [("public_facility", 1)]
        assert set(result.facets) == set(FACET_FIELDS)

    def test_facet_limit_and_mincount(self, faceted):
        result = search(SearchQuery(q="公園", facet_limit=1, facet_mincount=2, facet_fields=("res_format", "tags")))
        assert result.facets == {"res_format": [("CSV", 2)], "tags": [("公園", 2)]}

    def test_filters_are_anded(self, faceted):
        assert found("", filters={"groups": ["bosai"]}) == {"parks", "aed", "marugame-parks"}
        assert found("", filters={"groups": ["bosai"], "organization": ["takamatsu"]}) == {"parks", "aed"}
        assert found("", filters={"res_format": ["CSV", "PDF"]}) == {"parks"}
        assert found("", filters={"tags": ["公園"], "license_id": ["cc-zero"]}) == {"marugame-parks"}
        assert found("", filters={"standard_type": ["aed"]}) == {"aed"}
        assert found("", filters={"tags": ["no-such-tag"]}) == set()

    def test_modified_range(self, faceted):
        old = timezone.now() - timedelta(days=30)
        Dataset.objects.filter(name="parks").update(modified=old)
        rebuild_index()
        assert found("", modified_to=old + timedelta(seconds=1)) == {"parks"}
        assert "parks" not in found("", modified_from=old + timedelta(days=1))


@pytest.mark.django_db
class TestSorting:
    @pytest.fixture
    def sortable(self, catalog):
        for index, name in enumerate(["cc", "aa", "bb", "dd"]):
            catalog.add(name, title=f"データ{'ウイアエ'[index]}")
        now = timezone.now()
        for offset, name in enumerate(["aa", "bb", "cc", "dd"]):
            Dataset.objects.filter(name=name).update(modified=now - timedelta(days=offset),
                                                     created=now - timedelta(days=10 - offset),
                                                     popularity={"bb": 9, "dd": 5, "aa": 2}.get(name, 0))
        rebuild_index()
        return catalog

    @pytest.mark.parametrize(("sort", "expected"), [
        ("modified_desc", ["aa", "bb", "cc", "dd"]),
        ("modified_asc", ["dd", "cc", "bb", "aa"]),
        ("created_asc", ["aa", "bb", "cc", "dd"]),
        ("created_desc", ["dd", "cc", "bb", "aa"]),
        ("popularity", ["bb", "dd", "aa", "cc"]),
        ("name_asc", ["aa", "bb", "cc", "dd"]),
        ("name_desc", ["dd", "cc", "bb", "aa"]),
        ("title_asc", ["bb", "aa", "cc", "dd"]),  # ア イ ウ エ
        ("title_desc", ["dd", "cc", "aa", "bb"]),
        ("relevance", ["aa", "bb", "cc", "dd"]),  # no query: newest first
    ])
    def test_sorts(self, sortable, sort, expected):
        # With a query every title matches equally, so relevance also falls back to newest first.
        assert names(search(SearchQuery(q="データ", sort=sort))) == expected
        assert names(search(SearchQuery(sort=sort))) == expected

    def test_every_sort_value_is_supported(self, sortable):
        for sort in set(SORTS.values()):
            assert search(SearchQuery(sort=sort)).count == 4

    def test_unknown_sort_is_rejected(self, sortable):
        with pytest.raises(UnknownSort):
            search(SearchQuery(sort="nonsense"))

    def test_id_paging_is_stable_and_complete(self, sortable):
        pages = [search(SearchQuery(sort="id_asc", rows=3, start=start)).dataset_ids for start in (0, 3)]
        ids = pages[0] + pages[1]
        assert ids == sorted(Dataset.objects.values_list("id", flat=True))

    def test_ties_page_stably(self, catalog):
        for n in range(7):
            catalog.add(f"same-{n}", title="同じ題名")
        Dataset.objects.update(modified=timezone.now())
        rebuild_index()
        seen = []
        for start in range(0, 7, 2):
            seen += search(SearchQuery(q="題名", rows=2, start=start)).dataset_ids
        assert len(seen) == len(set(seen)) == 7


@pytest.mark.django_db
class TestVisibility:
    @pytest.fixture
    def mixed(self, catalog):
        catalog.add("open-data", title="公開データ")
        catalog.add("private-data", title="非公開データ", private=True)
        catalog.add("draft-data", title="下書きデータ", state="draft")
        catalog.add("other-private", organization="marugame", title="他市データ", private=True)
        gone = catalog.add("deleted-data", title="削除データ")
        catalog.run(services.delete_dataset, catalog.admin, gone)
        return catalog

    @pytest.mark.parametrize("include_private", [False, True])
    @pytest.mark.parametrize("include_drafts", [False, True])
    def test_matches_catalog_permissions(self, mixed, include_private, include_drafts):
        for user in (None, mixed.outsider, mixed.member, mixed.editor, mixed.admin):
            expected = set(Dataset.objects.filter(visible_datasets_q(user, include_private, include_drafts))
                           .values_list("name", flat=True))
            result = search(SearchQuery(q="データ", rows=100, include_private=include_private,
                                        include_drafts=include_drafts), user)
            assert set(names(result)) == expected, (user, include_private, include_drafts)
            assert result.count == len(expected)

    def test_anonymous_sees_public_only(self, mixed):
        assert found("データ", include_private=True, include_drafts=True) == {"open-data"}

    def test_member_sees_own_private_only(self, mixed):
        result = search(SearchQuery(q="データ", include_private=True), mixed.member)
        assert set(names(result)) == {"open-data", "private-data"}

    def test_deleted_never_found(self, mixed):
        result = search(SearchQuery(q="削除", include_private=True, include_drafts=True), mixed.admin)
        assert result.count == 0


@pytest.mark.django_db
class TestIndexFollowsCatalog:
    def test_update_reindexes(self, catalog):
        dataset = catalog.add("renamed", title="図書館一覧")
        assert found("図書館") == {"renamed"}
        data = services.dataset_form_data(dataset)
        data.update(title="美術館一覧", tags="文化")
        catalog.run(services.update_dataset, catalog.admin, dataset, data)
        assert found("図書館") == set()
        assert found("美術館") == {"renamed"}
        assert search(SearchQuery(q="美術館")).facets["tags"] == [("文化", 1)]

    def test_facet_counts_follow_changes(self, catalog):
        catalog.add("first", title="人口統計")
        assert search(SearchQuery(q="人口")).facets["organization"] == [("takamatsu", 1)]
        catalog.add("second", title="人口推計")
        assert search(SearchQuery(q="人口")).facets["organization"] == [("takamatsu", 2)]

    def test_tag_and_group_changes_through_the_orm(self, catalog):
        dataset = catalog.add("tagged", title="観光施設")
        group = Group.objects.get(name="kotsu")
        catalog.run(dataset.groups.add, group)
        assert found("", filters={"groups": ["kotsu"]}) == {"tagged"}
        catalog.run(group.datasets.clear)
        assert found("", filters={"groups": ["kotsu"]}) == set()

    def test_organization_rename_updates_facets(self, catalog):
        catalog.add("one", title="観光")
        org = Organization.objects.get(name="takamatsu")
        org.name = "takamatsu-city"
        catalog.run(org.save)
        assert search(SearchQuery(q="観光")).facets["organization"] == [("takamatsu-city", 1)]

    def test_hard_delete_and_resource_format(self, catalog):
        dataset = catalog.add("with-file", title="ごみ収集日")
        catalog.add_resource(dataset, "XLSX")
        assert search(SearchQuery(q="ごみ")).facets["res_format"] == [("XLSX", 1)]
        catalog.run(dataset.delete)
        assert search(SearchQuery(q="ごみ")).count == 0

    def test_rebuild_counts_indexable_datasets(self, catalog):
        catalog.add("a1", title="一")
        catalog.add("a2", title="二", state="draft")
        assert rebuild_index() == 2
        assert search(SearchQuery(q="一")).count == 1


@pytest.mark.django_db
def test_backend_matches_database_vendor():
    assert get_backend().vendor == connection.vendor
