"""Staff override a column's inferred type (the data dictionary's ``type_override``): ingestion,
the data dictionary, datastore_create / _info / _search and the re-typing job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hiraku.api.tests.helpers import call_get, error_of, result_of
from hiraku.api.tests.test_write_actions import post, token_for
from hiraku.catalog import services as catalog
from hiraku.datastore import coltypes, dictionary, query, services
from hiraku.datastore.errors import IngestError
from hiraku.datastore.ingest import ingest_file
from hiraku.datastore.models import DatastoreTable

MIXED = (
    "コード,人数,開設日,有無,増減\n"
    "001,１２,令和2年4月1日,有,△1.5\n"
    "002,-,R3.5.10,無,2\n"
    "010,3,2023-04-01 10:00,有,3\n"
)


def ingest(tmp_path, data_dir, content=MIXED, **overrides):
    path = tmp_path / "table.csv"
    path.write_text(content, encoding="utf-8")
    return ingest_file(path, "r1", data_dir, type_overrides=overrides or None)


def typed(result):
    return query.fetch_rows(result.directory / result.table.file, limit=100)


def kinds(result):
    return {c.id: (c.type, c.inferred) for c in result.table.columns}


def test_forced_kinds_are_converted_with_the_full_rules(tmp_path, data_dir):
    result = ingest(tmp_path, data_dir, 人数="decimal", 開設日="datetime", 有無="boolean", 増減="text")
    assert kinds(result) == {"コード": ("text", None), "人数": ("decimal", "integer"),
                             "開設日": ("datetime", "datetime"), "有無": ("boolean", "boolean"),
                             "増減": ("text", "decimal")}
    rows = typed(result)
    assert [r["人数"] for r in rows] == [Decimal(12), None, Decimal(3)]  # full-width digits; "-" is empty
    assert rows[0]["開設日"] == dt.datetime(2020, 4, 1)  # 和暦
    assert [r["増減"] for r in rows] == ["△1.5", "2", "3"]  # text keeps the cells as written
    assert [r["有無"] for r in rows] == [True, False, True]
    sidecar = result.as_dict()["tables"][0]["columns"]
    assert next(c for c in sidecar if c["id"] == "人数")["inferred"] == "integer"
    assert "inferred" not in next(c for c in sidecar if c["id"] == "コード")


def test_text_override_always_works_and_reports_no_fallback(tmp_path, data_dir):
    content = "番号,値\n" + "".join(f"{i},{i}\n" for i in range(1, 30)) + "30,不明\n"
    assert [w.code for w in ingest(tmp_path, data_dir, content).warnings] == ["type_fallback"]
    result = ingest(tmp_path, data_dir, content, 番号="text", 値="text")
    assert kinds(result) == {"番号": ("text", "integer"), "値": ("text", "text")}
    assert result.warnings == []
    assert typed(result)[0] == {"_id": 1, "番号": "1", "値": "1"}


def test_cells_that_do_not_convert_refuse_the_table_with_their_place(tmp_path, data_dir):
    with pytest.raises(IngestError) as caught:
        ingest(tmp_path, data_dir, 開設日="date")
    problem = caught.value.problem
    assert (problem.code, problem.row, problem.column) == ("type_override_failed", 4, "開設日")
    assert problem.params["count"] == 1 and problem.params["value"] == "2023-04-01 10:00"
    assert "2023-04-01 10:00" in problem.message("en") and "開設日" in problem.message("en")
    assert "日付" in problem.message("ja") and "4 行目" in problem.location("ja")
    # Leading zeros keep a code text under the full rules: 3 cells, the first in row 2.
    with pytest.raises(IngestError) as caught:
        ingest(tmp_path, data_dir, コード="integer")
    assert (caught.value.problem.row, caught.value.problem.params["count"]) == (2, 3)
    # Nothing was published: the next version is still 1.
    assert ingest(tmp_path, data_dir).version == 1


def test_overrides_of_missing_columns_are_ignored(tmp_path, data_dir):
    result = ingest(tmp_path, data_dir, 消えた列="integer")
    assert kinds(result)["人数"] == ("integer", None)


def test_forced_columns_of_a_table_longer_than_the_sample(tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr(coltypes, "SAMPLE_ROWS", 20)
    content = "id,amount,count\n" + "".join(f"{i},{i}.5,{'１' if i % 7 else i}\n" for i in range(1, 400))
    result = ingest(tmp_path, data_dir, content, count="decimal", id="text")
    assert kinds(result) == {"id": ("text", "integer"), "amount": ("decimal", None), "count": ("decimal", "integer")}
    rows = typed(result)
    assert rows[6] == {"_id": 7, "id": "7", "amount": Decimal("7.5"), "count": Decimal(7)}
    assert rows[0]["count"] == Decimal(1)
    with pytest.raises(IngestError) as caught:
        ingest(tmp_path, data_dir, content, amount="integer")
    assert caught.value.problem.params["count"] == 399 and caught.value.problem.row == 2


# --- the data dictionary, the API and the job --------------------------------------------------

OVERRIDES = [{"id": "ID", "type": "int", "info": {"type_override": "text", "label": "番号", "notes": "施設の番号"}},
             {"id": "男性トイレ総数", "info": {"type_override": "numeric"}},
             {"id": "設置日", "info": {"type_override": "timestamp"}},
             {"id": "名称"}]


def test_datastore_create_sets_types_and_the_table_is_typed_again(client, city, toilets,
                                                                    django_capture_on_commit_callbacks):
    rid = str(toilets.pk)
    with django_capture_on_commit_callbacks(execute=True):
        result = result_of(post(client, "datastore_create", token_for(city), resource_id=rid, fields=OVERRIDES))
    assert result["retyping"] is True and result["records"] == []
    table = DatastoreTable.objects.get(resource=toilets)
    assert (table.status, table.version) == ("done", 2), table.error
    assert table.fields_info["ID"] == {"label": "番号", "description": "施設の番号", "type_override": "text"}
    fields = {f["id"]: f for f in result_of(call_get(client, "datastore_info", id=rid))["fields"]}
    assert fields["ID"]["type"] == "text"
    assert fields["ID"]["info"] == {"label": "番号", "description": "施設の番号", "notes": "施設の番号",
                                    "type_override": "text"}
    assert fields["ID"]["schema"]["inferred_type"] == "integer"
    assert (fields["男性トイレ総数"]["type"], fields["男性トイレ総数"]["info"]["type_override"]) == ("numeric", "decimal")
    assert fields["設置日"]["type"] == "timestamp"
    assert "type_override" not in fields["名称"]["info"]
    search = result_of(call_get(client, "datastore_search", resource_id=rid, sort="_id"))
    first = search["records"][0]
    assert (first["ID"], first["設置日"]) == ("1", "2020-04-01T00:00:00")
    assert float(search["records"][1]["男性トイレ総数"]) == 1204
    assert {f["id"]: f.get("info", {}).get("type_override") for f in search["fields"]}["ID"] == "text"
    # The same overrides again (with the column's type as it is now) change nothing and start no job.
    same = [{**f, "type": "text"} if f["id"] == "ID" else f for f in OVERRIDES]
    again = result_of(post(client, "datastore_create", token_for(city), resource_id=rid, fields=same))
    assert again["retyping"] is False


def test_overrides_stay_for_the_next_file_of_the_resource(city, toilets, django_capture_on_commit_callbacks):
    table = DatastoreTable.objects.select_related("resource__dataset").get(resource=toilets)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.save_dictionary(city, table, {"ID": {"label": "番号", "type_override": "text"},
                                                      "設置日": {"type_override": "timestamp"}})
    new_file = "ID,名称,男性トイレ総数\n7,新しいトイレ,4\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        catalog.update_resource(city, toilets, {"name": "トイレ"},
                                files={"file": SimpleUploadedFile("toilets.csv", new_file)})
    table.refresh_from_db()
    assert (table.status, table.version) == ("done", 3), table.error
    assert {c["id"]: c["type"] for c in table.columns()} == {"ID": "text", "名称": "text", "男性トイレ総数": "integer"}
    assert table.fields_info == {"ID": {"label": "番号", "type_override": "text"}}  # 設置日 is gone


def test_dictionary_updates_need_an_editor_and_valid_input(client, city, toilets, django_user_model):
    rid = str(toilets.pk)
    stranger = django_user_model.objects.create_user("stranger", "s@example.jp", "pw-stranger-0001")
    fields = [{"id": "ID", "info": {"type_override": "text"}}]
    error_of(post(client, "datastore_create", token_for(stranger), resource_id=rid, fields=fields),
             403, "Authorization Error")
    error_of(post(client, "datastore_create", None, resource_id=rid, fields=fields), 403, "Authorization Error")
    token = token_for(city)
    error = error_of(post(client, "datastore_create", token, resource_id=rid,
                          fields=[{"id": "無い列", "info": {"type_override": "int"}}]), 409, "Validation Error")
    assert error["fields"] == ["No such column: 無い列"]
    japanese = Client(HTTP_ACCEPT_LANGUAGE="ja")
    error = error_of(post(japanese, "datastore_create", token, resource_id=rid,
                          fields=[{"id": "ID", "info": {"type_override": "geometry"}}]), 409, "Validation Error")
    assert error["fields"] == ["列 ID の型 geometry は使えません"]
    error = error_of(post(client, "datastore_create", token, resource_id=rid,
                          fields=[{"id": "ID", "type": "text"}]), 409, "Validation Error")
    assert "type_override" in error["fields"][0]
    # Records still need force on an uploaded table.
    error = error_of(post(client, "datastore_create", token, resource_id=rid, fields=fields, records=[{"ID": 9}]),
                     409, "Validation Error")
    assert "force" in error
    table = DatastoreTable.objects.get(resource=toilets)
    assert (table.fields_info, table.version) == ({}, 1)


@pytest.mark.parametrize(("name", "kind"), [("int", "integer"), ("numeric", "decimal"), ("bool", "boolean"),
                                            ("timestamp", "datetime"), ("TEXT", "text"), ("date", "date"),
                                            ("time", "time"), ("decimal", "decimal"), ("", ""), ("auto", ""),
                                            (None, ""), ("geometry", None), (3, None)])
def test_type_names_of_ckan_and_hiraku(name, kind):
    assert dictionary.type_kind(name) == kind


def test_pushed_tables_take_no_type_override(city, toilets):
    table = DatastoreTable.objects.select_related("resource__dataset").get(resource=toilets)
    table.origin = DatastoreTable.Origin.API
    with pytest.raises(dictionary.DictionaryError):
        dictionary.update_dictionary(city, table, {"ID": {"type_override": "text"}})
    assert dictionary.update_dictionary(city, table, {"ID": {"label": "番号", "type_override": ""}}) == \
        {"ID": {"label": "番号"}}
