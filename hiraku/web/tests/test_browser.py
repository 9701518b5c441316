"""End-to-end checks in headless Chromium against a live server.

Uses the PyPI playwright package with the system Chromium (never a downloaded
browser) and axe-core from node_modules for the accessibility audit."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from hiraku.catalog.models import Dataset

from .conftest import STAFF_PASSWORD, toilet_csv_bytes

CHROMIUM = Path("/usr/bin/chromium")
REPO_ROOT = Path(__file__).resolve().parents[3]
AXE_SCRIPT = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO_ROOT / "test-artifacts"
# A desktop browser's user agent: the headless default names itself and is not counted as a person.
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists() and not shutil.which("chromium"), reason="needs Debian's chromium"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of
    # the fixtures (and the database flush after each test) stay synchronous.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, transactional_db):
    context = browser.new_context(locale="ja-JP", user_agent=DESKTOP_UA, accept_downloads=True)
    page = context.new_page()
    yield page
    context.close()


def test_search_open_dataset_and_download(page, live_server, public_dataset):
    page.goto(live_server.url + "/")
    page.get_by_label("データセットを検索").fill("避難")
    page.get_by_role("button", name="検索", exact=True).click()
    page.get_by_role("link", name=public_dataset.title, exact=True).click()
    assert page.locator("h1").inner_text() == public_dataset.title
    assert "出典：高松市オープンデータ（CC BY 4.0）" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile(r"^ダウンロード\s*:\s*公衆トイレ一覧 CSV$")).click()
    download = download_info.value
    assert download.suggested_filename == "公衆トイレ_一覧.csv"
    assert Path(download.path()).read_bytes() == toilet_csv_bytes()
    public_dataset.refresh_from_db()
    assert (public_dataset.view_count, public_dataset.download_count) == (1, 1)


def test_staff_logs_in_creates_a_dataset_and_uploads_a_file(page, live_server, staff_user, themes, media_root,
                                                            tmp_path):
    page.goto(live_server.url + "/staff/")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="データセットを作成").click()
    page.get_by_label("タイトル").fill("公衆トイレ一覧")
    page.get_by_label("URL名").fill("public-toilets")
    page.get_by_label("防災").check()
    page.get_by_role("button", name="作成してデータを追加").click()
    assert page.locator("h1").inner_text() == "データを追加"
    csv_file = tmp_path / "公衆トイレ.csv"
    csv_file.write_bytes(toilet_csv_bytes())
    page.get_by_label("ファイル").set_input_files(str(csv_file))
    page.get_by_role("button", name="追加", exact=True).click()
    assert page.url.endswith("/dataset/public-toilets")
    assert page.locator("h1").inner_text() == "公衆トイレ一覧"
    assert page.get_by_role("link", name="公衆トイレ.csv", exact=True).is_visible()
    assert Dataset.objects.get(name="public-toilets").resources.get().size == len(toilet_csv_bytes())


def test_form_error_is_announced_next_to_the_field(page, live_server, staff_user, themes):
    page.goto(live_server.url + "/login?next=/dataset/new")
    page.get_by_label("ユーザー名").fill("tanaka")
    page.get_by_label("パスワード").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_label("タイトル").fill("公衆トイレ一覧")
    page.get_by_label("URL名").fill("Public Toilets")
    page.get_by_role("button", name="作成してデータを追加").click()
    name_input = page.get_by_label("URL名")
    assert name_input.get_attribute("aria-invalid") == "true"
    described = name_input.get_attribute("aria-describedby").split()
    assert "URL名は半角英小文字" in page.locator(f"#{described[-1]}").inner_text()
    assert not Dataset.objects.exists()


def _axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate(
        "() => axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.skipif(not AXE_SCRIPT.exists(), reason="run `npm ci` to install axe-core")
def test_axe_finds_no_serious_violations(page, live_server, public_dataset):
    for path in ("/", "/dataset/?groups=disaster", f"/dataset/{public_dataset.name}", "/login"):
        page.goto(live_server.url + path)
        violations = _axe_violations(page)
        assert violations == [], (path, [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in violations])


def test_pages_fit_a_360px_screen(browser, live_server, public_dataset):
    context = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 740}, user_agent=DESKTOP_UA)
    page = context.new_page()
    try:
        for path in ("/", "/dataset/", f"/dataset/{public_dataset.name}", "/organization/", "/login"):
            page.goto(live_server.url + path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} is {overflow}px wider than the screen"
    finally:
        context.close()


def test_english_switch(page, live_server, public_dataset):
    page.goto(live_server.url + f"/dataset/{public_dataset.name}")
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.url.endswith(f"/dataset/{public_dataset.name}")
    assert page.get_by_role("heading", name="Licence and attribution").is_visible()
    assert "Source: Takamatsu City open data (CC BY 4.0)" in page.content()
    page.get_by_role("button", name="日本語").click()
    assert page.locator("html").get_attribute("lang") == "ja"


def test_japanese_text_renders_with_a_cjk_font(page, live_server, public_dataset):
    page.goto(live_server.url + f"/dataset/{public_dataset.name}")
    heading = page.locator("h1")
    # Missing CJK fonts draw "tofu" boxes: every glyph then has the same width as a Latin box.
    widths = page.evaluate("""() => {
        const font = getComputedStyle(document.querySelector('h1')).font;
        const ctx = document.createElement('canvas').getContext('2d');
        ctx.font = font;
        return ['あ', '避', 'i', 'W'].map(ch => ctx.measureText(ch).width);
    }""")
    assert widths[0] > widths[2] and widths[0] != widths[3] or widths[1] > widths[2]
    assert page.evaluate("() => document.fonts.check('16px \"Noto Sans CJK JP\"')")
    ARTIFACTS.mkdir(exist_ok=True)
    image = heading.screenshot(path=str(ARTIFACTS / "dataset-heading-ja.png"))
    assert len(image) > 1000
