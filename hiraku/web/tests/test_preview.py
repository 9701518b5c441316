"""The datastore previews of the resource page and their JSON endpoints."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hiraku.catalog import services
from hiraku.datastore.models import DatastoreTable

from .conftest import dataset_data

KINDS = ("小学校", "中学校", "公民館")


def shelters_csv(rows: int = 45) -> bytes:
    """A shelter list with Japanese headers, types of every kind, empty cells and coordinates."""
    lines = ["名称,区分,住所,緯度,経度,収容人数,開設日,バリアフリー"]
    for n in range(1, rows + 1):
        capacity = "" if n % 10 == 0 else str(n * 10)
        opened = "" if n % 7 == 0 else f"20{n % 20 + 10:02d}-04-01"
        lines.append(f"避難所{n:02d},{KINDS[n % 3]},高松市番町{n}丁目,{34.3 + n / 1000:.4f},{134.0 + n / 1000:.4f},"
                     f"{capacity},{opened},{'有' if n % 2 else '無'}")
    lines.append('<img src=x onerror=alert(1)>,公民館,"高松市""テスト""",34.35,134.05,5,2024-04-01,有')
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    return settings.DATA_DIR


def add_table(staff_user, run_on_commit, dataset, content: bytes, filename: str = "避難所.csv", name="避難所一覧"):
    upload = SimpleUploadedFile(filename, content, content_type="text/csv")
    resource = run_on_commit(services.add_resource, staff_user, dataset, {"name": name}, {"file": upload})
    return resource


@pytest.fixture
def shelters(staff_user, themes, run_on_commit, media_root, data_dir):
    dataset = run_on_commit(services.create_dataset, staff_user, dataset_data())
    resource = add_table(staff_user, run_on_commit, dataset, shelters_csv())
    table = DatastoreTable.objects.get(resource=resource)
    assert table.status == "done", table.error
    return resource


def page_url(resource, query: str = "") -> str:
    return f"/dataset/{resource.dataset.name}/resource/{resource.id}" + query


def get(client, resource, query: str = ""):
    return client.get(page_url(resource, query))


def header_texts(html: str) -> list[str]:
    head = html.split('id="data-preview-caption"', 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>", "", m).strip() for m in re.findall(r'<a class="sort-link"[^>]*>(.*?)<span', head)]


def first_cells(html: str) -> list[str]:
    body = html.split('id="data-preview-caption"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<tr>\s*<th scope=\"row\"[^>]*>(.*?)</th>", body)]


# --- the page ---------------------------------------------------------------------------

def test_preview_shows_the_first_page_with_japanese_headers(client, shelters):
    response = get(client, shelters)
    assert response.status_code == 200
    html = response.content.decode()
    assert header_texts(html) == ["番号", "名称", "区分", "住所", "緯度", "経度", "収容人数", "開設日", "バリアフリー"]
    assert first_cells(html) == [str(n) for n in range(1, 21)]
    assert re.search(r"46 行\s*（1～20 行目を表示）", html)
    assert 'aria-sort="ascending"' in html  # sorted by row number
    assert '<td class="cell--number">10</td>' in html
    assert '<td class="cell--date">2011-04-01</td>' in html
    assert '<td class="cell--empty"><span class="empty-mark" aria-hidden="true">–</span>' in html
    assert '<td class="cell--bool">はい</td>' in html


def test_paging_and_page_size(client, shelters):
    html = get(client, shelters, "?page=3").content.decode()
    assert first_cells(html) == ["41", "42", "43", "44", "45", "46"]
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert 'href="?page=2#data-preview"' in html
    html = get(client, shelters, "?size=50").content.decode()
    assert len(first_cells(html)) == 46 and 'class="pagination"' not in html
    assert get(client, shelters, "?page=99").status_code == 200  # past the end: no rows, no crash


def test_sorting_by_a_column_with_aria_sort(client, shelters):
    html = get(client, shelters, "?sort=収容人数&order=desc").content.decode()
    assert first_cells(html)[:3] == ["45", "44", "43"]
    assert re.search(r'<th scope="col" class="num" aria-sort="descending">\s*<a class="sort-link" '
                     r'href="\?sort=%E5%8F%8E%E5%AE%B9%E4%BA%BA%E6%95%B0&amp;order=asc#data-preview"', html)
    # The other columns offer ascending order and keep filters but restart at page 1.
    html = get(client, shelters, "?page=2&f.区分=公民館").content.decode()
    assert "page=2" not in html.split('id="data-preview-caption"', 1)[1].split("</thead>", 1)[0]


def test_filters_equal_for_typed_columns_contain_for_text(client, shelters):
    html = get(client, shelters, "?f.区分=公民").content.decode()
    assert "16 行が条件に一致" in html
    html = get(client, shelters, "?f.収容人数=110").content.decode()
    assert first_cells(html) == ["11"] and "1 行が条件に一致" in html
    html = get(client, shelters, "?f.開設日=2011-04-01").content.decode()
    assert first_cells(html) == ["1", "41"]  # row 21 has no date
    html = get(client, shelters, "?f.バリアフリー=無&f.区分=小学校").content.decode()
    assert first_cells(html) == ["6", "12", "18", "24", "30", "36", "42"]
    assert "すべての条件を解除" in html


def test_filter_form_redirects_to_the_column_parameter(client, shelters):
    response = get(client, shelters, "?sort=名称&filter_column=区分&filter_value=中学校&page=2")
    assert response.status_code == 302
    assert response["Location"] == page_url(shelters, "?sort=%E5%90%8D%E7%A7%B0&f.%E5%8C%BA%E5%88%86="
                                                      "%E4%B8%AD%E5%AD%A6%E6%A0%A1#data-preview")
    cleared = get(client, shelters, "?f.区分=中学校&filter_column=区分&filter_value=")
    assert cleared["Location"] == page_url(shelters, "?#data-preview")


@pytest.mark.parametrize("query", [
    "?page=abc", "?page=0", "?size=37", "?sort=存在しない列", "?sort=名称&order=sideways",
    "?f.存在しない列=1", "?f.収容人数=たくさん", "?f.開設日=昨日", "?sheet=Sheet9", "?filter_column=無い列&filter_value=1",
    "?chart=radar&group_by=区分", "?group_by=存在しない列", "?group_by=区分&function=sum", "?group_by=区分&value=名称&function=sum",
])
def test_bad_parameters_are_a_clear_400(client, shelters, query):
    response = get(client, shelters, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert "<h1>避難所一覧</h1>" in html  # the page still renders, with the message


def test_column_profile_section(client, shelters):
    html = get(client, shelters).content.decode()
    profile = html.split('id="column-profile"', 1)[1].split("</section>", 1)[0]
    assert "列の概要" in profile
    assert re.search(r'<th scope="row">収容人数</th>\s*<td>整数</td>\s*<td class="num">42</td>\s*<td class="num">4</td>',
                     profile)
    assert "公民館 <span class=\"muted\">(16)</span>" in profile
    assert (shelters_dir(shelters) / "v1.profile.json").exists()


def shelters_dir(resource):
    from hiraku.datastore import services as datastore

    return datastore.parquet_path(DatastoreTable.objects.get(resource=resource)).parent


def test_chart_section_suggests_a_chart_and_lists_its_figures(client, shelters):
    html = get(client, shelters).content.decode()
    chart = html.split('id="chart"', 1)[1].split("</section>", 1)[0]
    assert '<option value="区分" selected>' in chart
    assert "区分ごとの行数" in chart
    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">(.*?)</td></tr>', chart)
    assert rows == [("公民館", "16"), ("中学校", "15"), ("小学校", "15")]
    data = json.loads(re.search(r'<script id="chart-data" type="application/json">(.*?)</script>', html).group(1))
    assert data["labels"] == ["公民館", "中学校", "小学校"] and data["values"] == [16, 15, 15]
    html = get(client, shelters, "?chart=line&group_by=区分&value=収容人数&function=sum").content.decode()
    assert "区分ごとの収容人数の合計" in html


def test_downloads_link_to_the_dump_in_every_format(client, shelters):
    html = get(client, shelters).content.decode()
    downloads = html.split('id="downloads-title"', 1)[1].split("</section>", 1)[0]
    base = f"/datastore/dump/{shelters.id}?format="
    for fmt in ("csv&amp;bom=true", "csv", "tsv", "xlsx", "json", "geojson", "parquet"):
        assert f'href="{base}{fmt}"' in downloads, fmt
    assert "Excel" in downloads and "BOM" in downloads
    assert "/download/" in downloads  # the original file is listed first


def test_filtered_rows_download_as_the_table_shows_them(client, shelters):
    html = get(client, shelters).content.decode()
    assert "条件に一致する" not in html  # no filters, no second list
    html = get(client, shelters, "?f.区分=公民館&f.バリアフリー=はい&sort=収容人数&order=desc").content.decode()
    downloads = html.split('id="downloads-title"', 1)[1].split("</section>", 1)[0]
    assert "条件に一致する 8 行だけ" in downloads
    links = re.findall(r'href="(/datastore/dump/[^"]+)"', downloads.split("条件に一致する", 1)[1])
    assert len(links) == 5  # CSV for Excel, CSV, XLSX, JSON, GeoJSON
    response = client.get(links[1].replace("&amp;", "&"))
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["区分"] for r in rows} == {"公民館"} and {r["バリアフリー"] for r in rows} == {"true"}
    capacities = [int(r["収容人数"]) for r in rows]
    assert len(rows) == 8 and capacities == sorted(capacities, reverse=True)


def test_no_excel_link_for_more_rows_than_a_sheet_holds(client, shelters, monkeypatch):
    from hiraku.datastore import dumps

    monkeypatch.setattr(dumps, "XLSX_MAX_ROWS", 10)
    html = get(client, shelters, "?f.区分=公民館&f.バリアフリー=はい").content.decode()
    downloads = html.split('id="downloads-title"', 1)[1].split("</section>", 1)[0]
    whole, selected = downloads.split("条件に一致する", 1)
    assert "format=xlsx" not in whole and "format=csv" in whole  # 46 rows
    assert "format=xlsx" in selected  # 8 rows
    monkeypatch.setattr(dumps, "XLSX_MAX_ROWS", 7)
    selected = get(client, shelters, "?f.区分=公民館&f.バリアフリー=はい").content.decode().split("条件に一致する", 1)[1]
    assert "format=xlsx" not in selected.split("</section>", 1)[0]


def test_map_section_only_with_coordinates(client, shelters, staff_user, run_on_commit):
    html = get(client, shelters).content.decode()
    assert 'id="datastore-map"' in html and "leaflet.js" in html
    assert "背景地図" in html  # no tile URL configured: points on a plain background
    plain = add_table(staff_user, run_on_commit, shelters.dataset, "名称,人数\n甲,1\n乙,2\n".encode(), "plain.csv",
                      name="座標なし")
    html = get(client, plain).content.decode()
    assert 'id="datastore-map"' not in html and "leaflet.js" not in html
    assert "format=geojson" not in html


def test_rows_sorted_by_distance_from_a_place(client, shelters):
    """Row n of the shelters lies at 34.3 + n/1000, 134.0 + n/1000: row 10 is at the place asked about."""
    html = get(client, shelters, "?near=34.31,134.01").content.decode()
    assert header_texts(html)[:3] == ["番号", "距離 (m)", "名称"]
    assert first_cells(html)[:3] in (["10", "9", "11"], ["10", "11", "9"])
    assert '<td class="cell--number">0.0</td>' in html
    assert 'value="34.31,134.01"' in html and "34.31,134.01 からの距離順" in html
    assert "46 行" in html  # every row has coordinates
    # Sorting by another column keeps the distance; the chip removes the place.
    html = get(client, shelters, "?near=34.31,134.01&sort=収容人数&order=desc").content.decode()
    assert header_texts(html)[1] == "距離 (m)" and first_cells(html)[:2] == ["45", "44"]
    chip = re.search(r'<a class="chip" href="([^"]+)">\s*<span>34.31,134.01 からの距離順', html).group(1)
    assert "near" not in chip and "sort=" in chip
    # The downloads of "these rows" keep the order by distance.
    html = get(client, shelters, "?near=34.31,134.01").content.decode()
    downloads = html.split('id="downloads-title"', 1)[1].split("</section>", 1)[0]
    link = re.findall(r'href="(/datastore/dump/[^"]+)"', downloads.split("条件に一致する", 1)[1])[1]
    text = b"".join(client.get(link.replace("&amp;", "&")).streaming_content).decode()
    assert [r["名称"] for r in csv.DictReader(io.StringIO(text))][0] == "避難所10"


def test_a_place_that_cannot_be_read_is_a_clear_400(client, shelters, staff_user, run_on_commit):
    response = get(client, shelters, "?near=高松駅")
    assert response.status_code == 400
    assert "場所は 緯度,経度 を度で指定してください" in response.content.decode()
    plain = add_table(staff_user, run_on_commit, shelters.dataset, "名称,人数\n甲,1\n".encode(), "plain.csv",
                      name="座標なし")
    html = get(client, plain).content.decode()
    assert 'name="near"' not in html  # no coordinates, no distance form
    assert get(client, plain, "?near=34.31,134.01").status_code == 400
    html = get(client, shelters, "?near=34.3428,134.0466").content.decode()
    assert 'value="34.3428,134.0466"' in html  # the place as given, to the micro-degree


def test_tile_layer_when_configured(client, shelters, settings):
    settings.HIRAKU_MAP_TILE_URL = "https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"
    settings.HIRAKU_MAP_TILE_ATTRIBUTION = '<a href="https://maps.gsi.go.jp/development/ichiran.html">地理院タイル</a>'
    html = get(client, shelters).content.decode()
    assert 'data-tile-url="https://cyberjapandata.gsi.go.jp/xyz/std/{z}/{x}/{y}.png"' in html
    assert "data-tile-attribution=\"&lt;a href=" in html


def test_markup_in_cells_is_escaped(client, shelters):
    html = get(client, shelters, "?page=3").content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- status -------------------------------------------------------------------------------

def test_status_while_running_and_the_endpoint(client, shelters):
    DatastoreTable.objects.filter(resource=shelters).update(status="running", phase="convert", progress_done=1200,
                                                            progress_total=5000)
    html = get(client, shelters).content.decode()
    assert 'data-datastore-status="' in html and 'aria-live="polite"' in html
    assert '<progress id="datastore-progress"' in html and 'max="5000" value="1200"' in html
    assert "1,200 / 5,000 行" in html
    assert "前の版" in html  # the previous version is still shown
    status = client.get(page_url(shelters, "/status.json"))
    assert status["Cache-Control"] == "no-store"
    body = status.json()
    assert (body["status"], body["busy"], body["done"], body["total"], body["percent"]) == ("running", True, 1200,
                                                                                           5000, 24)


def test_status_waiting_without_a_version(client, shelters):
    DatastoreTable.objects.filter(resource=shelters).update(status="pending", version=None, progress_done=0,
                                                            progress_total=None)
    response = get(client, shelters)
    html = response.content.decode()
    assert response.status_code == 200
    assert "処理を待っています" in html and 'id="data-preview"' not in html
    assert client.get(page_url(shelters, "/status.json")).json()["label"] == "待機中"
    assert client.get(page_url(shelters, "/chart.json?group_by=区分")).status_code == 404


def test_error_message_in_the_page_language_with_location(client, shelters):
    DatastoreTable.objects.filter(resource=shelters).update(status="error", finished_at=timezone.now(), error={
        "code": "ragged_rows",
        "message": {"ja": "3 行に見出しより多くの値があります。", "en": "3 rows have more values than the header."},
        "location": {"ja": "行 5, 9, 12", "en": "rows 5, 9, 12"},
    })
    html = get(client, shelters).content.decode()
    assert "3 行に見出しより多くの値があります。" in html and "行 5, 9, 12" in html
    assert "前の版の表を引き続き" in html
    assert 'id="data-preview"' in html  # the previous version is still served
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.cookies["django_language"] = "en"
    html = english.get(page_url(shelters)).content.decode()
    assert "3 rows have more values than the header." in html and "rows 5, 9, 12" in html


def test_warnings_in_a_collapsible_list(client, staff_user, run_on_commit, themes, media_root, data_dir):
    dataset = run_on_commit(services.create_dataset, staff_user, dataset_data())
    content = "高松市 避難所一覧\n\n名称,人数\n甲,1\n乙,2\n".encode()
    resource = add_table(staff_user, run_on_commit, dataset, content)
    html = get(client, resource).content.decode()
    assert '<details class="datastore-warnings">' in html
    assert "見出しの上にある表題行 1 行を読み飛ばしました。" in html and "表の処理についての注意（1 件）" in html


def test_resources_without_a_table_show_no_preview(client, public_dataset):
    link = [r for r in public_dataset.resources.all() if not r.file][0]
    html = get(client, link).content.decode()
    assert 'id="data-preview"' not in html and "datastore-status.js" not in html


# --- JSON endpoints -------------------------------------------------------------------------

def test_profile_endpoint(client, shelters):
    body = client.get(page_url(shelters, "/profile.json")).json()
    columns = {c["id"]: c for c in body["columns"]}
    assert body["version"] == 1
    assert columns["収容人数"]["label"] == "収容人数" and columns["収容人数"]["nulls"] == 4
    assert columns["区分"]["top"][0] == {"value": "公民館", "count": 16}


def test_chart_endpoint(client, shelters):
    response = client.get(page_url(shelters, "/chart.json?group_by=区分&value=収容人数&function=max"))
    assert response.status_code == 200
    body = response.json()
    assert body["labels"][0] == "小学校" and body["values"][0] == 450
    assert body["title"] == "区分ごとの収容人数の最大" and body["truncated"] is False


@pytest.mark.parametrize(("query", "field"), [
    ("", "group_by"), ("?group_by=無い列", "group_by"), ("?group_by=区分&function=sum", "value"),
    ("?group_by=区分&value=名称&function=avg", "function"), ("?group_by=区分&function=median", "function"),
    ("?group_by=区分&limit=0", "limit"), ("?group_by=区分&sheet=無いシート", "sheet"),
])
def test_chart_endpoint_bad_parameters(client, shelters, query, field):
    response = client.get(page_url(shelters, "/chart.json" + query))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field and error["message"]


def test_map_endpoint(client, shelters, staff_user, run_on_commit):
    response = client.get(page_url(shelters, "/map.geojson"))
    assert response.status_code == 200 and response["Content-Type"] == "application/geo+json"
    collection = response.json()
    assert collection["type"] == "FeatureCollection" and collection["total"] == 46
    first = collection["features"][0]
    assert first["geometry"]["coordinates"] == [134.001, 34.301]
    assert first["properties"] == {"name": "避難所01"}
    row = client.get(page_url(shelters, f"/map.geojson?id={first['id']}")).json()
    assert row["properties"]["名称"] == "避難所01" and row["properties"]["区分"] == "中学校"
    assert client.get(page_url(shelters, "/map.geojson?id=999")).status_code == 404
    assert client.get(page_url(shelters, "/map.geojson?id=x")).json()["error"]["field"] == "id"
    compressed = client.get(page_url(shelters, "/map.geojson"), headers={"accept-encoding": "gzip"})
    assert compressed["Content-Encoding"] == "gzip"
    plain = add_table(staff_user, run_on_commit, shelters.dataset, "名称,人数\n甲,1\n".encode(), "plain.csv")
    response = client.get(page_url(plain, "/map.geojson"))
    assert response.status_code == 400 and response.json()["error"]["field"] == "columns"


def test_map_shows_the_rows_the_table_filters_keep(client, shelters):
    html = get(client, shelters, "?f.区分=公民館&f.バリアフリー=はい").content.decode()
    geojson_url = re.search(r'data-geojson-url="([^"]+)"', html).group(1).replace("&amp;", "&")
    texts = json.loads(re.search(r'<script id="map-texts" type="application/json">(.*?)</script>', html).group(1))
    assert texts["count"] == "条件に一致する地点：%(count)s 件"
    collection = client.get(geojson_url).json()
    assert collection["total"] == 8
    rows = [client.get(page_url(shelters, f"/map.geojson?id={f['id']}")).json()["properties"]
            for f in collection["features"]]
    assert {(r["区分"], r["バリアフリー"]) for r in rows} == {("公民館", True)}
    html = get(client, shelters).content.decode()
    assert 'map.geojson"' in html and "filters=" not in re.search(r'data-geojson-url="([^"]+)"', html).group(1)
    response = client.get(page_url(shelters, '/map.geojson?filters={"収容人数": "many"}'))
    assert response.status_code == 400 and response.json()["error"]["field"] == "filters"


def test_endpoints_of_private_datasets_stay_hidden(client, staff_user, run_on_commit, themes, media_root, data_dir):
    dataset = run_on_commit(services.create_dataset, staff_user,
                            dataset_data(name="internal", title="庁内", private="on", groups=[], standard_type=""))
    resource = add_table(staff_user, run_on_commit, dataset, shelters_csv(5))
    for suffix in ("", "/status.json", "/profile.json", "/chart.json?group_by=区分", "/map.geojson"):
        assert client.get(page_url(resource, suffix)).status_code == 404, suffix
    client.force_login(staff_user)
    assert client.get(page_url(resource, "/map.geojson")).status_code == 200


def test_endpoints_check_the_dataset_in_the_address(client, shelters, staff_user, run_on_commit):
    other = run_on_commit(services.create_dataset, staff_user, dataset_data(name="other", title="別"))
    assert client.get(f"/dataset/{other.name}/resource/{shelters.id}/chart.json?group_by=区分").status_code == 404


# --- data dictionary ------------------------------------------------------------------------

def test_staff_set_labels_and_descriptions(client, shelters, staff_user):
    assert 'id="dictionary"' not in get(client, shelters).content.decode()
    client.force_login(staff_user)
    html = get(client, shelters).content.decode()
    assert 'id="dictionary"' in html and 'name="csrfmiddlewaretoken"' in html
    response = client.post(page_url(shelters, "/dictionary"), {
        "label.収容人数": "収容可能人数", "description.収容人数": "災害時に受け入れられる人数", "label.名称": "",
    })
    assert response.status_code == 302
    table = DatastoreTable.objects.get(resource=shelters)
    assert table.fields_info == {"収容人数": {"label": "収容可能人数", "description": "災害時に受け入れられる人数"}}
    html = get(client, shelters).content.decode()
    assert "収容可能人数" in header_texts(html)
    assert "災害時に受け入れられる人数" in html


def test_dictionary_is_for_editors_only_and_needs_csrf(shelters, staff_user, other_staff_user, plain_user):
    url = page_url(shelters, "/dictionary")
    for user in (None, plain_user, other_staff_user):
        client = Client()
        if user:
            client.force_login(user)
        assert client.post(url, {"label.名称": "x"}).status_code == 404
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_user)
    assert strict.post(url, {"label.名称": "x"}).status_code == 403
    client = Client()
    client.force_login(staff_user)
    assert client.post(url, {"label.無い列": "x"}).status_code == 400
    assert client.get(url).status_code == 405
    assert DatastoreTable.objects.get(resource=shelters).fields_info == {}


def test_staff_change_a_column_type(client, shelters, staff_user, other_staff_user,
                                   django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    html = get(client, shelters).content.decode()
    select = html.split('name="type.収容人数"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected>自動（整数）</option>' in select and '<option value="text">' in select
    assert "推定：整数" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page_url(shelters, "/dictionary"), {"label.収容人数": "", "type.収容人数": "text",
                                                                   "label.名称": "", "type.名称": ""})
    assert response.status_code == 302
    table = DatastoreTable.objects.get(resource=shelters)
    assert table.status == "done" and table.version == 2, table.error
    assert table.fields_info == {"収容人数": {"type_override": "text"}}
    assert {c["id"]: c["type"] for c in table.columns()}["収容人数"] == "text"
    html = client.get(response.url).content.decode()
    assert "選んだ型に変換しています" in html
    assert '<option value="text" selected>' in html.split('name="type.収容人数"', 1)[1].split("</select>", 1)[0]
    # A type the values do not fit: the job fails with the place, the previous version stays.
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(shelters, "/dictionary"), {"label.区分": "", "type.区分": "integer"})
    table.refresh_from_db()
    assert table.status == "error" and table.version == 2
    html = get(client, shelters).content.decode()
    assert "列「区分」" in html and "整数として保存できません" in html
    # Others cannot change types.
    other = Client()
    other.force_login(other_staff_user)
    assert other.post(page_url(shelters, "/dictionary"), {"label.区分": "", "type.区分": ""}).status_code == 404
    table.refresh_from_db()
    assert table.fields_info["区分"] == {"type_override": "integer"}


# --- sheets, language, damaged files ----------------------------------------------------------

def workbook_bytes() -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "令和5年度"
    first.append(["地区", "人口"])
    for row in (["中央", 2500], ["北部", 1900]):
        first.append(row)
    second = book.create_sheet("令和6年度")
    second.append(["地区", "人口"])
    for row in (["中央", 2550], ["北部", 1850], ["南部", 1500]):
        second.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_sheet_switcher_and_downloads_per_sheet(client, staff_user, run_on_commit, themes, media_root, data_dir):
    dataset = run_on_commit(services.create_dataset, staff_user, dataset_data())
    resource = add_table(staff_user, run_on_commit, dataset, workbook_bytes(), "人口.xlsx", name="人口")
    html = get(client, resource).content.decode()
    switcher = html.split('class="sheet-switcher"', 1)[1].split("</nav>", 1)[0]
    assert re.findall(r">(令和\d年度)", switcher) == ["令和5年度", "令和6年度"]
    assert 'aria-current="page" class="is-current">令和5年度' in switcher
    assert "2 行" in html and first_cells(html) == ["1", "2"]
    html = get(client, resource, "?sheet=令和6年度").content.decode()
    assert first_cells(html) == ["1", "2", "3"]
    assert "sheet=%E4%BB%A4%E5%92%8C6%E5%B9%B4%E5%BA%A6" in html.split('id="downloads-title"', 1)[1].split("</section>")[0]
    chart = client.get(page_url(resource, "/chart.json?sheet=令和6年度&group_by=地区&value=人口&function=sum")).json()
    assert chart["labels"] == ["中央", "北部", "南部"]
    assert get(client, resource, "?sheet=令和7年度").status_code == 400


def test_english_page(shelters):
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(page_url(shelters, "?f.区分=公民")).content.decode()
    assert "Data preview" in html and "16 rows match the filters" in html and "Columns at a glance" in html
    assert "Number of rows by 区分" in html and "CSV for Excel (UTF-8 with BOM)" in html


def test_a_damaged_table_file_keeps_the_page_available(client, shelters):
    for path in shelters_dir(shelters).glob("v1*.parquet"):
        path.unlink()
    response = get(client, shelters)
    assert response.status_code == 200
    html = response.content.decode()
    assert "いまは表のプレビューを表示できません" in html and 'id="data-preview"' not in html
    assert "ダウンロード" in html


def test_every_preview_string_has_japanese():
    from pathlib import Path

    from django.utils import translation

    from hiraku.web.views import preview

    templates = Path(preview.__file__).resolve().parents[1] / "templates" / "web"
    texts = []
    for path in [templates / "resource_detail.html", *sorted((templates / "preview").glob("*.html"))]:
        texts += re.findall(r'{% translate "([^"]+)" %}', path.read_text(encoding="utf-8"))
    texts += [v for mapping in (preview.FIELD_MESSAGES, preview.TYPE_LABELS, preview.PHASE_LABELS,
                                preview.STATUS_LABELS) for v in mapping.values()]
    texts += [label for _key, label in preview.CHART_TYPES + preview.FUNCTIONS]
    texts += [label for _fmt, _bom, label in preview.DOWNLOADS if label not in ("JSON", "Parquet")]
    with translation.override("en"):
        english = [str(t) for t in texts] + list(preview.status_texts().values())
    with translation.override("ja"):
        japanese = [translation.gettext(t) for t in english[:len(texts)]] + list(preview.status_texts().values())
    untranslated = [e for e, j in zip(english, japanese, strict=True) if e == j]
    assert untranslated == []
