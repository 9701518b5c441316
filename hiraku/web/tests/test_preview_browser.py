"""The resource page's previews in headless Chromium: table, chart, map, status, accessibility.

Reuses the Chromium set-up and the axe-core audit of test_browser (Debian's chromium,
axe-core from node_modules); screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from hiraku.catalog import services
from hiraku.datastore.models import DatastoreTable

from . import test_browser as base
from .conftest import dataset_data
from .test_preview import add_table, shelters_csv

pytestmark = base.pytestmark


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(base.CHROMIUM), args=base.LAUNCH_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, transactional_db):
    context = browser.new_context(locale="ja-JP", user_agent=base.DESKTOP_UA, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


@pytest.fixture
def shelters(staff_user, themes, run_on_commit, media_root, data_dir):
    dataset = run_on_commit(services.create_dataset, staff_user, dataset_data())
    resource = add_table(staff_user, run_on_commit, dataset, shelters_csv())
    assert DatastoreTable.objects.get(resource=resource).status == "done"
    return resource


def url(live_server, resource, query: str = "") -> str:
    return f"{live_server.url}/dataset/{resource.dataset.name}/resource/{resource.id}{query}"


def screenshot(locator, name: str) -> bytes:
    base.ARTIFACTS.mkdir(exist_ok=True)
    return locator.screenshot(path=str(base.ARTIFACTS / name))


def test_table_preview_sorts_filters_and_pages(page, live_server, shelters):
    page.goto(url(live_server, shelters))
    table = page.locator(".data-table")
    assert table.get_by_role("columnheader", name="名称").is_visible()
    page.get_by_role("link", name=re.compile(r"^収容人数\s*（昇順に並べ替え）$")).click()
    header = table.get_by_role("columnheader", name="収容人数")
    assert header.get_attribute("aria-sort") == "ascending"
    assert table.locator("tbody tr").first.locator("th").inner_text() == "46"  # capacity 5
    page.get_by_label("列", exact=True).select_option(label="区分")
    page.get_by_label("値", exact=True).fill("公民館")
    page.get_by_role("button", name="絞り込む").click()
    assert "16 行が条件に一致" in page.locator(".preview-count").inner_text()
    page.get_by_label("1 ページの行数").select_option("50")
    page.get_by_role("button", name="表示", exact=True).click()
    assert table.locator("tbody tr").count() == 16
    # Numbers are right-aligned, empty cells visibly marked.
    assert table.locator("td.cell--number").first.evaluate("e => getComputedStyle(e).textAlign") == "right"
    image = screenshot(page.locator("#data-preview"), "resource-preview-table-ja.png")
    assert len(image) > 20_000


def test_chart_draws_and_redraws_with_japanese_labels(page, live_server, shelters):
    page.goto(url(live_server, shelters))
    canvas = page.locator("#chart-canvas")
    canvas.scroll_into_view_if_needed()
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-canvas'))")
    drawn = page.evaluate("""() => {
        const chart = Chart.getChart(document.getElementById('chart-canvas'));
        return {labels: chart.data.labels, type: chart.config.type, font: Chart.defaults.font.family};
    }""")
    assert drawn["labels"] == ["公民館", "中学校", "小学校"] and drawn["type"] == "bar"
    assert "Noto Sans" in drawn["font"]
    assert canvas.get_attribute("aria-label") == "区分ごとの行数"
    image = screenshot(page.locator("#chart"), "resource-chart-bar-ja.png")
    assert len(image) > 15_000
    page.get_by_label("グラフの種類").select_option(label="円グラフ")
    page.get_by_label("集計の方法").select_option(label="合計")
    page.get_by_label("集計する列").select_option(label="収容人数")
    page.get_by_role("button", name="グラフを表示").click()
    caption = page.locator("#chart-table-caption")
    caption.filter(has_text="区分ごとの収容人数の合計").wait_for()
    assert page.evaluate("() => Chart.getChart(document.getElementById('chart-canvas')).config.type") == "pie"
    assert "function=sum" in page.url and page.url.endswith("#chart")
    rows = page.locator(".chart-table tbody tr")
    assert rows.count() == 3 and rows.first.locator("th").inner_text() in ("公民館", "中学校", "小学校")
    screenshot(page.locator("#chart"), "resource-chart-pie-ja.png")


def test_map_shows_clustered_points_with_escaped_popups(page, live_server, shelters, staff_user, run_on_commit):
    page.goto(url(live_server, shelters))
    page.locator("#datastore-map[data-markers]").wait_for(state="attached")
    assert page.locator("#datastore-map").get_attribute("data-markers") == "46"
    assert page.locator(".marker-cluster, .leaflet-marker-icon").count() > 0
    assert "地図上の地点：46 件" in page.locator("[data-map-status]").inner_text()
    image = screenshot(page.locator("#map-section"), "resource-map-ja.png")
    assert len(image) > 10_000
    # Two far-apart points: each is its own marker; a popup shows markup as text, and line breaks.
    far = add_table(staff_user, run_on_commit, shelters.dataset,
                    ('名称,緯度,経度,備考\n<img src=x onerror=alert(1)>,34.34,134.05,"月曜休館\n祝日は開館"\n'
                     '都庁,35.6895,139.6917,\n').encode(), "far.csv", name="離れた地点")
    page.goto(url(live_server, far))
    page.locator("#datastore-map[data-markers]").wait_for(state="attached")
    page.get_by_role("button", name="<img src=x onerror=alert(1)>").click()
    popup = page.locator(".leaflet-popup-content")
    popup.locator("dl").wait_for()  # the row is fetched when its popup opens
    assert "<img src=x onerror=alert(1)>" in popup.inner_text()
    assert popup.locator("img").count() == 0
    assert "緯度" in popup.inner_text()
    assert "月曜休館\n祝日は開館" in popup.inner_text()
    assert page.locator(".data-table td", has_text="月曜休館").inner_text() == "月曜休館\n祝日は開館"
    # Each popup fetches its own row.
    page.get_by_role("button", name="都庁").click()
    page.locator(".leaflet-popup-content dl", has_text="35.6895").wait_for()


def test_a_phone_sorts_the_rows_by_distance_from_its_location(browser, live_server, shelters):
    """Row n of the shelters lies at 34.3 + n/1000, 134.0 + n/1000; the phone stands by row 10."""
    context = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 740}, user_agent=base.DESKTOP_UA,
                                  geolocation={"latitude": 34.31012, "longitude": 134.00987},
                                  permissions=["geolocation"])
    page = context.new_page()
    try:
        page.goto(url(live_server, shelters))
        page.get_by_role("button", name="現在地を使う").click()
        page.wait_for_url(re.compile(r"near=34\.310%2C134\.010"))  # rounded to about 100 m before it is sent
        table = page.locator(".data-table")
        assert table.get_by_role("columnheader", name="距離 (m)").is_visible()
        assert table.locator("tbody tr").first.locator("th").inner_text() == "10"
        assert page.get_by_label("場所（緯度,経度）").input_value() == "34.31,134.01"
        if base.AXE_SCRIPT.exists():
            violations = base._axe_violations(page)
            assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
        screenshot(page.locator("#data-preview"), "resource-preview-near-ja.png")
        # The map shows the neighbourhood of the place, marked, and says so.
        page.locator("#datastore-map[data-markers]").wait_for(state="attached")
        assert page.locator("path.map-near-place").count() == 1
        assert "並べた場所を中心に表示" in page.locator("[data-map-status]").inner_text()
        screenshot(page.locator("#map-section"), "resource-map-near-ja.png")
        page.get_by_role("link", name=re.compile("34.31,134.01 からの距離順")).click()
        assert page.locator(".data-table").get_by_role("columnheader", name="距離 (m)").count() == 0
    finally:
        context.close()


def test_a_refused_location_says_so_and_leaves_typing(browser, live_server, shelters):
    context = browser.new_context(locale="ja-JP", user_agent=base.DESKTOP_UA)  # no permission granted
    page = context.new_page()
    try:
        page.goto(url(live_server, shelters))
        page.get_by_role("button", name="現在地を使う").click()
        status = page.locator("[data-locate-status]")
        status.filter(has_text="現在地を取得できませんでした").wait_for()
        assert page.evaluate("() => document.activeElement.id") == "near-place"
        page.get_by_label("場所（緯度,経度）").fill("34.349,134.049")
        page.get_by_role("button", name="近い順に並べる").click()
        assert page.locator(".data-table tbody tr").first.locator("th").inner_text() == "46"  # 34.35,134.05
    finally:
        context.close()


def test_status_is_polled_while_the_table_is_processed(page, live_server, shelters):
    DatastoreTable.objects.filter(resource=shelters).update(status="running", phase="convert", progress_done=10,
                                                            progress_total=100)
    page.goto(url(live_server, shelters))
    status = page.locator("[data-status-text]")
    assert status.get_attribute("aria-live") == "polite"
    assert "処理中：値を変換しています" in status.inner_text()
    if base.AXE_SCRIPT.exists():
        violations = base._axe_violations(page)
        assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    DatastoreTable.objects.filter(resource=shelters).update(progress_done=60)
    page.wait_for_function("() => document.querySelector('[data-status-progress]').value === 60", timeout=8000)
    DatastoreTable.objects.filter(resource=shelters).update(status="done", progress_done=100)
    page.get_by_role("link", name="新しい表を表示").wait_for(timeout=8000)
    assert status.inner_text() == "処理が終わりました。"


@pytest.mark.skipif(not base.AXE_SCRIPT.exists(), reason="run `npm ci` to install axe-core")
def test_axe_finds_no_serious_violations_on_the_resource_page(page, live_server, shelters, staff_user):
    page.goto(url(live_server, shelters))
    page.locator("#datastore-map[data-markers]").wait_for(state="attached")
    page.wait_for_function("() => window.Chart && Chart.getChart(document.getElementById('chart-canvas'))")
    violations = base._axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    # Filtered: the active filters and the downloads of the rows they keep.
    page.goto(url(live_server, shelters) + "?f.区分=公民館#data-preview")
    with page.expect_download() as download:
        page.get_by_role("list", name="条件に一致する 16 行だけ").get_by_role("link", name="CSV（UTF-8）").click()
    assert download.value.suggested_filename.endswith(".csv")
    violations = base._axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]
    # Staff see the data dictionary form too.
    page.goto(live_server.url + "/login?next=" + url(live_server, shelters).replace(live_server.url, ""))
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill(base.STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    assert page.locator("#dictionary").is_visible()
    violations = base._axe_violations(page)
    assert violations == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations]


def test_resource_page_fits_a_360px_screen(browser, live_server, shelters):
    context = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 740}, user_agent=base.DESKTOP_UA)
    page = context.new_page()
    try:
        page.goto(url(live_server, shelters))
        page.locator("#datastore-map[data-markers]").wait_for(state="attached")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the resource page is {overflow}px wider than the screen"
        page.screenshot(path=str(base.ARTIFACTS / "resource-page-360.png"), full_page=True)
    finally:
        context.close()
