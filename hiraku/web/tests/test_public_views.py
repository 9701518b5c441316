"""Public pages: home, search, dataset, resource, organizations, themes, errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hiraku.catalog import services
from hiraku.catalog.models import Dataset

from .conftest import dataset_data

pytestmark = pytest.mark.django_db
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"


def text(response) -> str:
    return response.content.decode()


def test_home_shows_counts_themes_ranking_and_newest(client, public_dataset, private_dataset):
    response = client.get("/")
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="ja">' in page
    assert page.count("<h1") == 1
    assert 'href="#main"' in page and 'id="main"' in page
    assert "防災" in page and "/group/disaster" in page
    assert public_dataset.title in page
    assert private_dataset.title not in page  # private datasets never reach the public home page
    stats = response.context
    assert (stats["dataset_count"], stats["organization_count"], stats["resource_count"]) == (1, 1, 2)
    assert [theme.name for theme, count in stats["themes"] if count] == ["disaster"]


def test_popular_ranking_follows_usage(client, staff_user, themes, run_on_commit, public_dataset):
    other = run_on_commit(services.create_dataset, staff_user, dataset_data(name="aed", title="AED設置箇所"))
    for _ in range(3):
        services.record_usage(other, kind="download", user_agent=BROWSER_UA)
    ranking = list(client.get("/").context["popular"])
    assert [d.name for d in ranking[:2]] == ["aed", public_dataset.name]


def test_search_filters_by_facet_and_shows_titles(client, public_dataset, staff_user, run_on_commit):
    run_on_commit(services.create_dataset, staff_user,
                  dataset_data(name="population", title="人口統計", groups=["population"], tags="人口",
                               standard_type="population"))
    response = client.get("/dataset/", {"groups": "disaster"})
    listing = response.context["listing"]
    assert listing.count == 1
    assert [d.name for d in listing.datasets] == [public_dataset.name]
    page = text(response)
    assert "防災" in page  # group title, not its URL name, is shown
    assert "（絞り込みを解除）" in page
    chip = listing.selected[0]
    assert chip.label == "防災" and "groups=disaster" not in chip.remove_url
    facets = {facet.field: facet for facet in listing.facets}
    assert {o.label for o in facets["organization"].options} == {"高松市"}
    assert {o.label for o in facets["license_id"].options} == {"クリエイティブ・コモンズ 表示 4.0 国際"}
    assert {o.label for o in facets["standard_type"].options} == {"指定緊急避難場所一覧"}


def test_search_has_a_quality_grade_facet(client, public_dataset, staff_user, run_on_commit):
    from django.core.cache import cache

    from hiraku.quality.models import DatasetScore

    other = run_on_commit(services.create_dataset, staff_user, dataset_data(name="aed", title="AED設置箇所"))
    for dataset, grade, score in ((public_dataset, "A", 95), (other, "D", 30)):
        run_on_commit(DatasetScore.objects.update_or_create, dataset=dataset,
                      defaults={"score": score, "grade": grade})
    cache.clear()
    response = client.get("/dataset/")
    facet = {facet.field: facet for facet in response.context["listing"].facets}["quality_grade"]
    assert facet.title == "品質評価"
    assert [(o.value, o.label, o.count) for o in facet.options] == [("A", "A（90〜100点）", 1), ("D", "D（25〜49点）", 1)]
    page = text(response)
    assert '<h3 id="facet-quality_grade" class="facet__title">品質評価</h3>' in page
    assert 'aria-labelledby="facet-quality_grade"' in page
    assert "quality_grade=D" in facet.options[1].url
    filtered = client.get("/dataset/", {"quality_grade": "D"})
    listing = filtered.context["listing"]
    assert [d.name for d in listing.datasets] == ["aed"]
    chip = listing.selected[0]
    assert (chip.field_title, chip.label) == ("品質評価", "D（25〜49点）")
    assert "quality_grade" not in chip.remove_url
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = text(client.get("/dataset/"))
    assert "Quality grade" in page and "A (90–100 points)" in page


def test_search_text_query_and_count(client, public_dataset):
    listing = client.get("/dataset/", {"q": "避難"}).context["listing"]
    assert listing.count == 1
    assert client.get("/dataset/", {"q": "存在しない語句"}).context["listing"].count == 0


def test_search_pages_results(client, staff_user, themes, run_on_commit):
    for number in range(23):
        run_on_commit(services.create_dataset, staff_user, dataset_data(name=f"ds-{number:02d}", title=f"データ{number}"))
    first = client.get("/dataset/", {"sort": "name_asc"})
    listing = first.context["listing"]
    assert listing.count == 23 and len(listing.datasets) == 20 and listing.page_count == 2
    assert 'aria-current="page"' in text(first) and 'rel="next"' in text(first)
    second = client.get("/dataset/", {"sort": "name_asc", "page": "2"}).context["listing"]
    assert len(second.datasets) == 3
    assert client.get("/dataset/", {"page": "not-a-number"}).status_code == 200


def test_unknown_sort_falls_back_to_relevance(client, public_dataset):
    assert client.get("/dataset/", {"sort": "drop table"}).context["listing"].sort == "relevance"


def test_dataset_page_shows_metadata_attribution_and_history(client, public_dataset):
    response = client.get(reverse("web:dataset_detail", kwargs={"dataset": public_dataset.name}),
                          HTTP_USER_AGENT=BROWSER_UA)
    assert response.status_code == 200
    page = text(response)
    assert "<strong>指定緊急避難場所</strong>" in page
    assert "<script>alert(1)</script>" not in page
    assert "出典：高松市オープンデータ（CC BY 4.0）" in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "指定緊急避難場所一覧" in page  # standard type label
    assert "kikikanri@example.jp" in page and "2024-04-01" in page
    assert "tanaka" in page  # who changed it
    assert "公衆トイレ一覧 CSV" in page and "/download/" in page
    assert "<caption" in page and 'scope="row"' in page
    public_dataset.refresh_from_db()
    assert public_dataset.view_count == 1


def test_dataset_page_uses_configured_attribution(client, public_dataset, staff_user):
    Dataset.objects.filter(pk=public_dataset.pk).update(extras={"attribution": "出典：香川県高松市（独自表記）"})
    page = text(client.get(f"/dataset/{public_dataset.name}"))
    assert "出典：香川県高松市（独自表記）" in page


def test_bot_views_are_not_counted(client, public_dataset):
    client.get(f"/dataset/{public_dataset.name}", HTTP_USER_AGENT="Googlebot/2.1")
    public_dataset.refresh_from_db()
    assert public_dataset.view_count == 0


def test_dataset_page_query_count_is_small(client, public_dataset, django_assert_max_num_queries):
    url = f"/dataset/{public_dataset.name}"
    client.get(url, HTTP_USER_AGENT=BROWSER_UA)  # the first view of the day also creates the usage row
    # dataset + tags + groups + resources, usage counters (3), change history, harvest provenance
    with django_assert_max_num_queries(9):
        client.get(url, HTTP_USER_AGENT=BROWSER_UA)


def test_private_dataset_is_404_for_strangers_and_visible_to_members(client, private_dataset, plain_user,
                                                                     staff_user, other_staff_user):
    url = f"/dataset/{private_dataset.name}"
    assert client.get(url).status_code == 404
    client.force_login(plain_user)
    assert client.get(url).status_code == 404
    client.force_login(other_staff_user)
    assert client.get(url).status_code == 404
    client.force_login(staff_user)
    assert client.get(url).status_code == 200


def test_unknown_dataset_gets_the_site_404_page(client, db):
    response = client.get("/dataset/no-such-dataset")
    assert response.status_code == 404
    assert "site-header" in text(response)


def test_resource_page(client, public_dataset):
    resource = public_dataset.resources.all()[0]
    response = client.get(f"/dataset/{public_dataset.name}/resource/{resource.id}")
    assert response.status_code == 200
    page = text(response)
    assert resource.hash in page and "公衆トイレ_一覧.csv" in page


def test_resource_page_requires_matching_dataset(client, public_dataset, staff_user, run_on_commit):
    other = run_on_commit(services.create_dataset, staff_user, dataset_data(name="other", title="別のデータ"))
    resource = public_dataset.resources.all()[0]
    assert client.get(f"/dataset/{other.name}/resource/{resource.id}").status_code == 404


def test_organization_and_group_pages(client, public_dataset, other_organization):
    organizations = client.get("/organization/")
    assert "高松市" in text(organizations) and "丸亀市" in text(organizations)
    organization = client.get("/organization/takamatsu")
    assert organization.context["listing"].count == 1
    assert client.get("/organization/marugame").context["listing"].count == 0
    assert client.get("/organization/nowhere").status_code == 404
    groups = client.get("/group/")
    assert "防災" in text(groups)
    group = client.get("/group/disaster")
    assert [d.name for d in group.context["listing"].datasets] == [public_dataset.name]
    assert client.get("/group/population").context["listing"].count == 0


def test_english_switch_sets_language(client, public_dataset):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = text(response)
    assert '<html lang="en">' in page
    assert "Disaster prevention" in page  # English group title
    dataset_page = text(client.get(f"/dataset/{public_dataset.name}"))
    assert "Source: Takamatsu City open data (CC BY 4.0)" in dataset_page
    assert "Creative Commons Attribution 4.0" in dataset_page


def test_japanese_is_the_default_language(client, public_dataset):
    page = text(client.get("/dataset/"))
    assert '<html lang="ja">' in page
    assert "データセット" in page
