"""The quality pages: the panel on the dataset page, a resource's findings, an organization's datasets."""

from __future__ import annotations

import pytest
from django.urls import reverse

from hiraku.catalog import services as catalog
from hiraku.quality import services

from .catalog import LONG_NOTES, make_dataset

pytestmark = pytest.mark.django_db

FIVE_DIGITS = " 37201 "  # the 5-digit local government code, as the finding's message quotes it


def _browser_available() -> bool:
    import shutil
    from pathlib import Path

    axe = Path(__file__).resolve().parents[3] / "node_modules" / "axe-core" / "axe.min.js"
    return axe.exists() and (Path("/usr/bin/chromium").exists() or bool(shutil.which("chromium")))


def findings_url(resource) -> str:
    return reverse("web:resource_quality", kwargs={"dataset": resource.dataset.name, "resource_id": resource.pk})


def test_dataset_page_shows_the_panel(client, toilets):
    response = client.get(reverse("web:dataset_detail", kwargs={"dataset": "toilets"}))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="quality-title"' in html and "Data quality" in html
    assert "of 100 points" in html
    assert "No errors in the files" in html and "Open licence" in html
    assert findings_url(toilets) in html


def test_dataset_page_in_japanese(toilets):
    from django.test import Client

    html = Client(HTTP_ACCEPT_LANGUAGE="ja").get(reverse("web:dataset_detail", kwargs={"dataset": "toilets"}))
    assert html.status_code == 200
    text = html.content.decode()
    assert "データ品質" in text and "オープンなライセンス" in text


def test_findings_page(client, toilets):
    response = client.get(findings_url(toilets))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quality report" in html and toilets.original_filename in html
    assert "Public toilets" in html  # the detected standard
    assert "設置位置" in html  # the missing required column
    assert "全国地方公共団体コード" in html  # the column mapping
    assert FIVE_DIGITS in html and "令和2年4月1日" in html
    assert "★★★☆☆" in html


def test_findings_filters_and_paging(client, toilets, monkeypatch):
    html = client.get(findings_url(toilets), {"severity": "error"}).content.decode()
    assert FIVE_DIGITS in html and "令和2年4月1日" not in html
    html = client.get(findings_url(toilets), {"rule": "text.wareki_date"}).content.decode()
    assert "令和2年4月1日" in html and FIVE_DIGITS not in html
    html = client.get(findings_url(toilets), {"rule": "no.such_rule", "severity": "bad"}).content.decode()
    assert FIVE_DIGITS in html  # unknown filters are ignored
    from hiraku.web.views import quality as views

    monkeypatch.setattr(views, "FINDINGS_PAGE_SIZE", 5)
    first = client.get(findings_url(toilets), {"severity": "info"}).content.decode()
    assert 'rel="next"' in first and "severity=info" in first
    second = client.get(findings_url(toilets), {"severity": "info", "page": 2}).content.decode()
    assert 'rel="prev"' in second


def test_private_pages_are_not_found(client, hidden, member):
    assert client.get(findings_url(hidden)).status_code == 404
    assert client.get(reverse("web:dataset_detail", kwargs={"dataset": "hidden-toilets"})).status_code == 404
    client.force_login(member)
    assert client.get(findings_url(hidden)).status_code == 200


def test_resource_of_another_dataset_is_not_found(client, toilets, city):
    make_dataset(city, "other")
    url = reverse("web:resource_quality", kwargs={"dataset": "other", "resource_id": toilets.pk})
    assert client.get(url).status_code == 404


def test_link_and_failed_check_pages(client, toilets, city, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        link = catalog.add_resource(city, toilets.dataset, {"name": "リンク", "url": "https://example.jp/a.csv"})
    response = client.get(findings_url(link))
    assert response.status_code == 200 and "only uploaded files are checked" in response.content.decode()
    dataset_url = reverse("web:dataset_detail", kwargs={"dataset": "toilets"})
    assert "the check failed" not in client.get(dataset_url).content.decode()
    monkeypatch.setattr(services, "validate_file", lambda *a, **k: 1 / 0)
    services.check_resource(str(toilets.pk))
    assert "check of this file failed" in client.get(findings_url(toilets)).content.decode()
    assert "the check failed" in client.get(dataset_url).content.decode()  # the cached panel was dropped


def test_organization_dashboard_worst_first(client, toilets, hidden, city):
    make_dataset(city, "described", notes=LONG_NOTES, update_frequency="ANNUAL")
    organization_page = client.get(reverse("web:organization_detail", kwargs={"organization": "takamatsu-city"}))
    url = reverse("web:organization_quality", kwargs={"organization": "takamatsu-city"})
    assert url in organization_page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    # "described" has no data file (50 points); the toilets have errors but a CSV (60 points).
    assert html.index("/dataset/described#") < html.index("/dataset/toilets#")
    assert "hidden-toilets" not in html
    client.force_login(city)
    assert "hidden-toilets" in client.get(url).content.decode()
    assert client.get(reverse("web:organization_quality", kwargs={"organization": "nowhere"})).status_code == 404


@pytest.mark.browser
@pytest.mark.skipif(not _browser_available(), reason="needs Debian's chromium and axe-core (npm ci)")
def test_quality_pages_in_a_browser_pass_axe(live_server, toilets):
    from playwright.sync_api import sync_playwright

    from hiraku.web.tests.test_browser import CHROMIUM, DESKTOP_UA, LAUNCH_ARGS, _axe_violations

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            try:
                page = browser.new_context(locale="ja-JP", user_agent=DESKTOP_UA).new_page()
                page.goto(live_server.url + "/dataset/toilets")
                panel = page.locator("section.quality-panel")
                assert panel.get_by_role("heading", name="データ品質").is_visible()
                assert "100 点中" in panel.inner_text()
                panel.get_by_role("link", name="トイレ の指摘事項").click()
                assert "品質レポート" in page.locator("h1").inner_text()
                page.get_by_label("重要度").select_option("error")
                page.get_by_role("button", name="絞り込む").click()
                assert "severity=error" in page.url
                for path in ("/dataset/toilets", findings_url(toilets), "/organization/takamatsu-city/quality"):
                    page.goto(live_server.url + path)
                    violations = _axe_violations(page)
                    assert violations == [], (path, [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations])
            finally:
                browser.close()
