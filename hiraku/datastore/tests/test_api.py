"""The datastore end to end: an upload is ingested by its job and answered by the CKAN datastore actions."""

from __future__ import annotations

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.api.tests.helpers import call_get, call_post, error_of, result_of
from hiraku.catalog import services as catalog
from hiraku.datastore.models import DatastoreTable

from .factories import TOILETS_CSV, make_dataset, upload


def test_upload_is_ingested_with_types(toilets):
    table = DatastoreTable.objects.get(resource=toilets)
    assert table.status == "done", table.error
    assert table.version == 1 and table.row_count == 3
    types = {c["id"]: c["type"] for c in table.columns()}
    assert types["男性トイレ総数"] == "integer"
    assert types["設置日"] == "date"
    assert types["多目的トイレ"] == "boolean"
    toilets.refresh_from_db()
    assert toilets.encoding  # the detected encoding is recorded on the resource


def test_datastore_search_filters_sorts_and_pages(client, toilets):
    result = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk),
                                filters='{"多目的トイレ": true}', sort="男性トイレ総数 desc", limit=1))
    assert result["total"] == 2
    assert [r["名称"] for r in result["records"]] == ["髙松駅前トイレ"]
    assert result["records"][0]["設置日"] == "2020-04-01"
    assert {f["id"]: f["type"] for f in result["fields"]}["男性トイレ総数"] == "int"
    assert "offset=1" in result["_links"]["next"]


def test_datastore_search_full_text_and_formats(client, toilets):
    result = result_of(call_post(client, "datastore_search", resource_id=str(toilets.pk), q="公園",
                                 fields=["名称"], records_format="lists"))
    assert result["total"] == 2
    assert result["records"] == [["中央公園トイレ"], ["栗林公園北門トイレ"]]
    csv_result = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk), q="ＪＲ 髙松",
                                    records_format="csv"))
    assert csv_result["total"] == 0
    width = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk), q="1,204",
                               fields="名称,男性トイレ総数", records_format="csv"))
    assert width["total"] == 0  # full text covers text columns; numbers are searched with filters
    by_number = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk),
                                   filters='{"男性トイレ総数": 1204}', records_format="tsv"))
    assert by_number["records"].startswith("2\t2\t中央公園トイレ\t")
    assert by_number["records"].endswith("\tfalse\n")


def test_datastore_search_bad_input(client, toilets):
    rid = str(toilets.pk)
    error = error_of(call_get(client, "datastore_search", resource_id=rid, sort="nothing"), 409, "Validation Error")
    assert "sort" in error
    error = error_of(call_get(client, "datastore_search", resource_id=rid, filters='{"男性トイレ総数": "many"}'),
                     409, "Validation Error")
    assert "filters" in error
    error_of(call_get(client, "datastore_search", resource_id=rid, filters="{broken"), 409, "Validation Error")
    error_of(call_get(client, "datastore_search", resource_id=rid, fields="unknown"), 409, "Validation Error")
    error_of(call_get(client, "datastore_search", resource_id="0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c00"),
             404, "Not Found Error")


def test_datastore_info(client, toilets):
    info = result_of(call_get(client, "datastore_info", id=str(toilets.pk)))
    assert info["meta"]["count"] == 3
    fields = {f["id"]: f for f in info["fields"]}
    assert fields["_id"]["type"] == "int"
    assert fields["緯度"]["schema"]["role"] == "latitude"
    assert fields["名称"]["info"]["label"] == "名称"


def test_private_dataset_table_is_hidden(client, city, django_capture_on_commit_callbacks):
    resource = upload(city, make_dataset(city, "hidden", private=True), capture=django_capture_on_commit_callbacks)
    assert DatastoreTable.objects.get(resource=resource).status == "done"
    error_of(call_get(client, "datastore_search", resource_id=str(resource.pk)), 404, "Not Found Error")


def test_failed_upload_keeps_previous_version(client, toilets, city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_resource(city, toilets, {"name": "トイレ"},
                                files={"file": SimpleUploadedFile("toilets.csv", b"\x89PNG\r\n\x1a\n" + b"\0" * 64)})
    table = DatastoreTable.objects.get(resource=toilets)
    assert table.status == "error"
    assert table.error["code"] == "binary_file"
    assert table.error["message"]["ja"] and table.error["message"]["en"]
    assert table.version == 1
    result = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk)))
    assert result["total"] == 3
    status = result_of(call_get(client, "datastore_status", resource_id=str(toilets.pk)))
    assert status["status"] == "error" and status["version"] == 1
    assert status["error"]["location"]["en"] is not None and status["error"]["code"] == "binary_file"


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xlsx", "geojson", "parquet", "xml"])
def test_dump_in_every_format(client, toilets, fmt):
    response = client.get(f"/datastore/dump/{toilets.pk}", {"format": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert f"toilets.{fmt}" in response["Content-Disposition"]
    if fmt == "csv":
        text = body.decode("utf-8")
        assert text.splitlines()[0].startswith("_id,ID,名称")
        assert "髙松駅前トイレ" in text and "2020-04-01" in text
    elif fmt == "json":
        import json
        data = json.loads(body)
        assert data["fields"][2] == {"id": "名称"} and len(data["records"]) == 3
    elif fmt == "geojson":
        import json
        data = json.loads(body)
        assert data["features"][0]["geometry"]["coordinates"] == [134.0467, 34.3506]
    elif fmt == "xlsx":
        import io

        from openpyxl import load_workbook
        rows = list(load_workbook(io.BytesIO(body), read_only=True).active.values)
        assert rows[1][2] == "髙松駅前トイレ"
    elif fmt == "xml":
        assert response["Content-Type"] == "application/xml; charset=utf-8"
        assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    else:
        assert body[:4] in (b"PAR1",) or fmt == "tsv" and "\t名称\t" in body.decode()


def test_xml_dump_in_ckans_shape(client, city, django_capture_on_commit_callbacks):
    """<data> of <row _id>, an element per column, xsi:nil for empty cells, <value key> for other names."""
    from xml.etree import ElementTree

    content = ('名称,開設 日,備考,2020年度\n"中央<公園>","2020-04-01",,有\n"改行\r\nあり",,"a&b",無\n').encode()
    resource = upload(city, make_dataset(city, "xml"), content=content, filename="x.csv",
                      capture=django_capture_on_commit_callbacks)
    response = client.get(f"/datastore/dump/{resource.pk}", {"format": "xml"})
    root = ElementTree.fromstring(b"".join(response.streaming_content))
    nil = "{http://www.w3.org/2001/XMLSchema-instance}nil"
    assert root.tag == "data" and [row.get("_id") for row in root] == ["1", "2"]
    first, second = root
    assert [child.tag for child in first] == ["名称", "value", "備考", "value"]
    assert [child.get("key") for child in first] == [None, "開設 日", None, "2020年度"]
    assert first[0].text == "中央<公園>" and first[1].text == "2020-04-01" and first[3].text == "true"
    assert first[2].get(nil) == "true" and first[2].text is None
    assert second[0].text == "改行\r\nあり" and second[2].text == "a&b" and second[3].text == "false"
    selected = client.get(f"/datastore/dump/{resource.pk}", {"format": "xml", "q": "改行", "fields": "名称"})
    rows = ElementTree.fromstring(b"".join(selected.streaming_content))
    assert [[child.text for child in row] for row in rows] == [["改行\r\nあり"]]


def test_dump_csv_with_bom_for_excel(client, toilets):
    response = client.get(f"/datastore/dump/{toilets.pk}", {"format": "csv", "bom": "true"})
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf_id,")
    assert int(response["Content-Length"]) == len(body)
    assert response["Access-Control-Allow-Origin"] == "*"  # web apps elsewhere may fetch it


def test_dump_bad_input(client, toilets):
    assert client.get(f"/datastore/dump/{toilets.pk}", {"format": "docx"}).status_code == 400
    assert client.get("/datastore/dump/0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c00").status_code == 404


def _dump(client, toilets, **params):
    response = client.get(f"/datastore/dump/{toilets.pk}", params)
    if response.status_code != 200:
        return response, response.content.decode("utf-8")
    body = b"".join(response.streaming_content)
    return response, body.decode("utf-8") if params.get("format", "csv") in ("csv", "tsv", "json") else body


def test_dump_of_selected_rows_like_ckan(client, toilets):
    """CKAN's dump takes datastore_search's q, filters, sort, fields, limit and offset."""
    response, text = _dump(client, toilets, filters='{"多目的トイレ": true}', sort="男性トイレ総数 desc",
                           fields="名称,男性トイレ総数")
    assert response.status_code == 200 and "toilets.csv" in response["Content-Disposition"]
    assert text.splitlines() == ["名称,男性トイレ総数", "髙松駅前トイレ,3", "栗林公園北門トイレ,2"]
    _, text = _dump(client, toilets, q="公園", fields="_id,名称", format="tsv", limit="1", offset="1")
    assert text.splitlines() == ["_id\t名称", "3\t栗林公園北門トイレ"]
    _, text = _dump(client, toilets, q='{"名称": "髙松"}', format="json")
    assert json.loads(text)["records"][0][2] == "髙松駅前トイレ" and len(json.loads(text)["records"]) == 1
    response, body = _dump(client, toilets, filters='{"ID": [2, 3]}', format="csv", bom="true")
    assert body.startswith("\ufeff_id,ID,名称") and len(body.splitlines()) == 3
    assert int(response["Content-Length"]) == len(body.encode("utf-8"))


@pytest.mark.parametrize("fmt", ["xlsx", "geojson", "parquet"])
def test_dump_of_selected_rows_in_binary_formats(client, toilets, fmt):
    response, body = _dump(client, toilets, q="公園", format=fmt)
    assert response.status_code == 200
    if fmt == "xlsx":
        from openpyxl import load_workbook
        rows = list(load_workbook(io.BytesIO(body), read_only=True).active.values)
        assert [r[2] for r in rows] == ["名称", "中央公園トイレ", "栗林公園北門トイレ"]
    elif fmt == "geojson":
        assert [f["properties"]["ID"] for f in json.loads(body)["features"]] == [2, 3]
    else:
        import pyarrow.parquet as pq
        assert pq.read_table(io.BytesIO(body)).column("ID").to_pylist() == [2, 3]


def test_dump_of_selected_rows_bad_input(client, toilets):
    for params, named in [({"filters": "{broken"}, "filters"), ({"filters": '{"nothing": 1}'}, "filters"),
                          ({"filters": '{"男性トイレ総数": "many"}'}, "filters"), ({"sort": "nothing"}, "sort"),
                          ({"fields": "名称,unknown"}, "fields"), ({"limit": "-1"}, "limit"),
                          ({"offset": "ten"}, "offset")]:
        response, body = _dump(client, toilets, **params)
        assert response.status_code == 400, params
        assert body.startswith(named + ": "), body
    assert _dump(client, toilets, limit="-1")[1] == "limit: 0 以上の整数で指定してください"  # Japanese first
    client.cookies["django_language"] = "en"  # the language switch
    english = client.get(f"/datastore/dump/{toilets.pk}", {"limit": "-1"})
    del client.cookies["django_language"]
    assert english.content.decode() == "limit: Must be a whole number of 0 or more"
    response, body = _dump(client, toilets, q="公園", fields="名称", format="geojson")
    assert response.status_code == 400 and "GeoJSON" in body
    response, _ = _dump(client, toilets, q="公園", format="docx")
    assert response.status_code == 400


def test_datastore_search_sql(client, toilets, city, django_capture_on_commit_callbacks):
    rid = str(toilets.pk)
    result = result_of(call_get(client, "datastore_search_sql",
                                sql=f'SELECT "多目的トイレ", count(*) AS n, sum("男性トイレ総数") AS total '
                                    f'FROM "{rid}" GROUP BY 1 ORDER BY 1'))
    assert result["records"] == [{"多目的トイレ": False, "n": 1, "total": 1204},
                                 {"多目的トイレ": True, "n": 2, "total": 5}]
    assert [f["id"] for f in result["fields"]] == ["多目的トイレ", "n", "total"]
    error = error_of(call_get(client, "datastore_search_sql", sql="SELECT * FROM read_csv('/etc/passwd')"),
                     409, "Validation Error")
    assert "query" in error and "/etc/passwd" not in str(error)
    hidden = upload(city, make_dataset(city, "hidden", private=True), capture=django_capture_on_commit_callbacks)
    error_of(call_get(client, "datastore_search_sql", sql=f'SELECT * FROM "{hidden.pk}"'), 409, "Validation Error")
    error_of(call_post(client, "datastore_search_sql", sql=f'DELETE FROM "{rid}"'), 409, "Validation Error")


def test_new_version_records_row_changes(client, toilets, city, django_capture_on_commit_callbacks):
    changed = TOILETS_CSV.decode("cp932").replace("中央公園トイレ", "中央公園東トイレ").replace(
        "3,栗林公園北門トイレ,高松市栗林町1丁目,34.3297,134.0441,2,H31.4.30,有\r\n", "")
    changed += "4,屋島トイレ,高松市屋島東町,34.3582,134.1009,1,R5.4.1,無\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_resource(city, toilets, {"name": "トイレ"},
                                files={"file": SimpleUploadedFile("toilets.csv", changed.encode("cp932"))})
    info = result_of(call_get(client, "datastore_info", id=str(toilets.pk)))
    newest, first = info["meta"]["versions"]
    assert (newest["version"], first["version"]) == (2, 1)
    assert newest["changes"] == {"from_version": 1, "key": ["ID"], "added": 1, "removed": 1, "changed": 1,
                                 "unchanged": 1, "columns_added": [], "columns_removed": []}
    assert first["changes"] is None
