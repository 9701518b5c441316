import datetime as dt
import json
import re
from decimal import Decimal

import duckdb
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hiraku.datastore import query, store
from hiraku.datastore.errors import IngestError
from hiraku.datastore.ingest import MAX_COLUMNS, ingest_file

from .conftest import LOCALGOV_SJIS, TAKAMATSU

# Typical mojibake: UTF-8 read as CP932 / Latin-1, or CP932 read as Latin-1.
MOJIBAKE = re.compile("\ufffd|縺|繧|蜷|莠|ã.|Ã.|â€|[\u0080-\u009f]|[ｱ-ﾝ]{4,}")

TAKAMATSU_FILES = sorted(p for p in TAKAMATSU.glob("*/*") if p.suffix in (".csv", ".xlsx")) if TAKAMATSU.is_dir() else []


def all_text(result):
    for table in result.tables:
        yield from (c.header for c in table.columns)
        for batch in pq.ParquetFile(result.directory / table.file).iter_batches():
            for column in batch.columns:
                if pa.types.is_string(column.type):
                    yield from (v for v in column.to_pylist() if v)


@pytest.mark.parametrize("path", TAKAMATSU_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_takamatsu_file_ingests_without_mojibake(path, data_dir, shared_data):
    result = ingest_file(path, "r1", data_dir)
    assert result.tables and all(t.row_count > 0 for t in result.tables)
    for text in all_text(result):
        assert not MOJIBAKE.search(text), text
    for table in result.tables:
        rows = query.fetch_rows(result.directory / table.file, limit=3)
        assert [r["_id"] for r in rows] == [1, 2, 3][: len(rows)]


def columns_of(result, index=0):
    return {c.id: c for c in result.tables[index].columns}


def test_takamatsu_hospital_csv(shared_data, data_dir):
    result = ingest_file(TAKAMATSU / "hospital" / "data.csv", "hospital", data_dir)
    assert result.encoding == "utf-8"
    cols = columns_of(result)
    assert list(cols)[:4] == ["#property", "latitude", "longitude", "address"]
    assert cols["telephone number"].header == "telephone\u3000number"
    assert (cols["latitude"].type, cols["latitude"].role) == ("decimal", "latitude")
    assert (cols["longitude"].type, cols["longitude"].role) == ("decimal", "longitude")
    assert cols["openingDate"].type == "date"
    assert cols["prefCode"].type == "integer"
    # "19（休床中）" keeps numberOfBeds as text, and the fallback is reported with its row.
    assert cols["numberOfBeds"].type == "text"
    fallback = [w for w in result.warnings if w.code == "type_fallback"]
    assert fallback and fallback[0].column == "numberOfBeds" and fallback[0].row == 38
    assert "休床中" in fallback[0].message("ja") and "numberOfBeds" in fallback[0].message("en")
    first = query.fetch_rows(result.directory / result.table.file, limit=1)[0]
    assert first["name"] == "独立行政法人国立病院機構高松医療センター"
    assert first["openingDate"] == dt.date(1947, 4, 1)
    assert first["latitude"] == Decimal("34.319621")


def test_takamatsu_well_being_two_row_header(shared_data, data_dir):
    result = ingest_file(TAKAMATSU / "Well-Being-results" / "0112.xlsx", "wb", data_dir)
    table = result.table
    assert table.sheet == "回答データ"
    assert table.header_rows == [1, 2]
    cols = columns_of(result)
    assert list(cols)[:3] == ["回答者ID", "属性 / 性別", "属性 / 年代"]
    assert cols["回答者ID"].type == "integer"
    assert table.row_count == 100
    assert any(w.code == "blank_columns_dropped" for w in table.warnings)


def test_takamatsu_xlsx_types(shared_data, data_dir):
    result = ingest_file(TAKAMATSU / "city_tax_settlement_status_r2" / "0097.xlsx", "tax", data_dir)
    cols = columns_of(result)
    assert cols["adjustedAmount"].type == "integer"
    assert cols["incomeRate"].type == "decimal"
    assert cols["year"].type == "text"  # 令和6年度 is a fiscal year, not a date
    aed = ingest_file(TAKAMATSU / "aed_location" / "data.xlsx", "aed", data_dir)
    assert columns_of(aed)["startTime"].type == "time"
    toilets = ingest_file(TAKAMATSU / "public_toilet" / "data.csv", "toilet", data_dir)
    assert columns_of(toilets)["wheelchairRestroom"].type == "boolean"
    rows = query.fetch_rows(toilets.directory / toilets.table.file, limit=2)
    assert [r["wheelchairRestroom"] for r in rows] == [False, True]
    garbage = ingest_file(TAKAMATSU / "garbage_separation_list" / "0074.xlsx", "garbage", data_dir)
    assert any(w.code == "footnote_rows_skipped" for w in garbage.warnings)


def test_cp932_code_list(shared_data, data_dir):
    result = ingest_file(LOCALGOV_SJIS, "codes", data_dir)
    assert result.encoding == "cp932"
    cols = columns_of(result)
    assert list(cols) == ["pid", "pref", "cid", "city", "citykana", "lat", "lng", "url", "phrase"]
    assert cols["lat"].role == "latitude" and cols["lng"].role == "longitude"
    assert not [w for w in result.warnings if w.code == "short_rows"]
    path = result.directory / result.table.file
    rows = query.fetch_rows(path, limit=2)
    assert rows[0]["pref"] == "北海道" and rows[0]["city"] == "札幌市"
    assert rows[1]["citykana"] == "さっぽろし ちゅうおうく"
    with query.open_table(path) as con:
        _, found = query.run(con, "SELECT count(*) FROM data WHERE pref = ? AND city LIKE ?", ["香川県", "高松%"])
    assert found[0][0] == 1
    assert query.column_types(path)["lat"].startswith("DECIMAL")


def write_cp932(tmp_path, name, text):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode("cp932"))
    return path


def test_municipal_csv_with_title_rows_and_japanese_conventions(tmp_path, data_dir):
    path = write_cp932(tmp_path, "a.csv", (
        "髙松市 施設一覧（令和5年4月1日現在）,,,,,,,\n"
        ",,,,,,,\n"
        "番号,施設名,緯度,経度,開設日,定員,駐車場,開始時間\n"
        "1,①番町会館,34.34,134.04,令和5年4月1日,\"1,200\",有,9:00\n"
        "2,㈱髙松ビル,34.35,134.05,H31.4.30,８００,無,９：３０\n"
        ",,,,,,,\n"
        "3,錦町集会所～別館,34.33,134.03,平成元年1月8日,-,有,10:00\n"
        "※令和5年4月1日時点の情報です。\n"
    ))
    result = ingest_file(path, "facilities", data_dir)
    table = result.table
    assert table.header_rows == [3]
    assert table.row_count == 3
    cols = columns_of(result)
    assert {k: c.type for k, c in cols.items()} == {
        "番号": "integer", "施設名": "text", "緯度": "decimal", "経度": "decimal", "開設日": "date",
        "定員": "integer", "駐車場": "boolean", "開始時間": "time",
    }
    assert cols["緯度"].role == "latitude" and cols["経度"].role == "longitude"
    codes = {w.code for w in table.warnings}
    assert {"title_rows_skipped", "footnote_rows_skipped", "null_markers"} <= codes
    rows = query.fetch_rows(result.directory / table.file)
    assert [r["開設日"] for r in rows] == [dt.date(2023, 4, 1), dt.date(2019, 4, 30), dt.date(1989, 1, 8)]
    assert [r["定員"] for r in rows] == [1200, 800, None]
    assert rows[1]["施設名"] == "㈱髙松ビル" and rows[2]["施設名"] == "錦町集会所～別館"


def test_value_that_does_not_fit_turns_column_into_text(tmp_path, data_dir):
    lines = ["id,count"] + [f"{i},{i * 10}" for i in range(1, 30)] + ["30,約40"]
    path = tmp_path / "a.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ingest_file(path, "r", data_dir)
    assert columns_of(result)["count"].type == "text"
    warning = next(w for w in result.warnings if w.code == "type_fallback")
    assert warning.row == 31 and warning.column == "count"
    assert "約40" in warning.message("en") and "整数" in warning.message("ja")
    values = [r["count"] for r in query.fetch_rows(result.directory / result.table.file, limit=100)]
    assert values[-1] == "約40" and values[0] == "10"


def test_tsv_and_semicolon_dialects(tmp_path, data_dir):
    tsv = tmp_path / "a.tsv"
    tsv.write_text("名称\t住所\t人数\nA\t高松市, 番町\t3\nB\t高松市, 錦町\t4\n", encoding="utf-8")
    result = ingest_file(tsv, "tsv", data_dir)
    assert result.delimiter == "\t" and list(columns_of(result)) == ["名称", "住所", "人数"]
    txt = tmp_path / "a.txt"
    txt.write_text('a;b;c\n1;"x;y";2.5\n2;z;3.5\n', encoding="utf-8")
    result = ingest_file(txt, "txt", data_dir)
    assert result.delimiter == ";"
    assert query.fetch_rows(result.directory / result.table.file)[0]["b"] == "x;y"


def test_xlsx_title_rows_merged_header_dates_and_sheets(tmp_path, data_dir):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人口"
    ws["A1"] = "地区別人口（令和5年4月1日現在）"
    ws.append([])
    ws.append(["地区", "人口", None, "調査日", "調査日時"])
    ws.merge_cells("B3:C3")
    ws.append([None, "男", "女", None, None])
    ws.append(["番町", 1100, 1300, dt.datetime(2023, 4, 1), dt.datetime(2023, 4, 1, 9, 30)])
    ws.append(["錦町", 700, 900.5, dt.datetime(2023, 4, 2), dt.datetime(2023, 4, 2, 10, 0)])
    ws.append([None, None, None, None, None])
    ws.append(["扇町", 500, 650, dt.datetime(2023, 4, 3), dt.datetime(2023, 4, 3, 11, 0)])
    other = wb.create_sheet("注記")
    other["A1"] = "この表は…"
    codes = wb.create_sheet("コード")
    codes.append(["コード", "名称"])
    codes.append(["011002", "札幌市"])
    path = tmp_path / "pop.xlsx"
    wb.save(path)

    result = ingest_file(path, "pop", data_dir)
    assert [t.sheet for t in result.tables] == ["人口", "コード"]
    table = result.table
    assert table.header_rows == [3, 4]
    cols = columns_of(result)
    assert list(cols) == ["地区", "人口 / 男", "人口 / 女", "調査日", "調査日時"]
    assert [c.type for c in cols.values()] == ["text", "integer", "decimal", "date", "datetime"]
    rows = query.fetch_rows(result.directory / table.file)
    assert len(rows) == 3
    assert rows[0]["調査日"] == dt.date(2023, 4, 1)
    assert rows[1]["調査日時"] == dt.datetime(2023, 4, 2, 10, 0)
    assert rows[1]["人口 / 女"] == Decimal("900.5")
    second = result.tables[1]
    assert second.file == "v1.t2.parquet"
    assert query.fetch_rows(result.directory / second.file)[0]["コード"] == "011002"


def test_versions_and_sidecar(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,x\n", encoding="utf-8")
    first = ingest_file(path, "res-1", data_dir)
    second = ingest_file(path, "res-1", data_dir)
    assert (first.version, second.version) == (1, 2)
    directory = store.resource_dir(data_dir, "res-1")
    assert directory == data_dir / "datastore" / "res-1"
    assert sorted(p.name for p in directory.iterdir()) == [
        "v1.json", "v1.parquet", "v2.json", "v2.parquet"]
    sidecar = json.loads((directory / "v2.json").read_text(encoding="utf-8"))
    assert sidecar["tables"][0]["columns"][0] == {
        "id": "a", "header": "a", "type": "integer", "arrow_type": "int64", "role": None, "non_null": 1}
    assert store.read_sidecar(data_dir, "res-1")["version"] == 2
    with pytest.raises(ValueError):
        store.resource_dir(data_dir, "../etc")


def test_failed_ingest_leaves_nothing_behind(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,2\n1,2,3\n", encoding="utf-8")
    with pytest.raises(IngestError):
        ingest_file(path, "res", data_dir)
    assert list((data_dir / "datastore" / "res").iterdir()) == []


def expect_error(path, data_dir, code, **kwargs):
    with pytest.raises(IngestError) as exc:
        ingest_file(path, "res", data_dir, **kwargs)
    problem = exc.value.problem
    assert problem.code == code
    for lang in ("en", "ja"):
        assert problem.message(lang)
    assert problem.message("ja") != problem.message("en")
    return problem


def test_ragged_rows_are_reported_with_row_numbers(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text("a,b,c\n1,2,3\n4,5,6,7\n8,9\n10,11,12,13\n", encoding="utf-8")
    problem = expect_error(path, data_dir, "ragged_rows")
    assert problem.rows == [3, 5]
    assert "3, 5" in problem.location("en") and "行目" in problem.location("ja")


def test_short_rows_are_padded_and_reported(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text("a,b,c\n1,2,3\n4,5\n", encoding="utf-8")
    result = ingest_file(path, "res", data_dir)
    warning = next(w for w in result.warnings if w.code == "short_rows")
    assert warning.rows == [3]
    assert query.fetch_rows(result.directory / result.table.file)[1]["c"] is None


def test_truncated_quoted_field(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text('a,b\n1,"ok"\n2,"cut in the mid', encoding="utf-8")
    problem = expect_error(path, data_dir, "truncated")
    assert problem.row == 3


def test_truncated_multibyte(tmp_path, data_dir):
    data = "名称,住所\n髙松,番町\n".encode("cp932")
    path = tmp_path / "a.csv"
    path.write_bytes(data[:-4])
    expect_error(path, data_dir, "truncated")


def test_binary_files_named_csv(tmp_path, data_dir):
    png = tmp_path / "a.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    assert "PNG" in expect_error(png, data_dir, "binary_file").message("en")
    wb = openpyxl.Workbook()
    xlsx_as_csv = tmp_path / "b.csv"
    wb.save(xlsx_as_csv)
    assert "xlsx" in expect_error(xlsx_as_csv, data_dir, "binary_file").message("en")


def test_empty_files(tmp_path, data_dir):
    empty = tmp_path / "a.csv"
    empty.write_bytes(b"")
    expect_error(empty, data_dir, "empty_file")
    wb = openpyxl.Workbook()
    blank = tmp_path / "blank.xlsx"
    wb.save(blank)
    expect_error(blank, data_dir, "no_table")


def test_corrupt_and_encrypted_xlsx(tmp_path, data_dir):
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    good = tmp_path / "good.xlsx"
    wb.save(good)
    corrupt = tmp_path / "corrupt.xlsx"
    corrupt.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    expect_error(corrupt, data_dir, "corrupt_xlsx")
    not_zip = tmp_path / "text.xlsx"
    not_zip.write_text("a,b\n", encoding="utf-8")
    expect_error(not_zip, data_dir, "corrupt_xlsx")
    # Password-protected workbooks are OLE compound files holding an EncryptedPackage stream.
    encrypted = tmp_path / "secret.xlsx"
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le")
                          + bytes(512))
    expect_error(encrypted, data_dir, "encrypted_xlsx")
    # .xls is read with python-calamine; an OLE file without a workbook inside is damaged.
    legacy = tmp_path / "old.xls"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    expect_error(legacy, data_dir, "corrupt_workbook")


def test_too_many_columns(tmp_path, data_dir):
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" * 10_000) + "\n",
                    encoding="utf-8")
    problem = expect_error(path, data_dir, "too_many_columns")
    assert problem.row == 1 and problem.params == {"count": 10_000, "limit": MAX_COLUMNS}


def test_query_connection_is_locked_down(tmp_path, data_dir):
    path = tmp_path / "a.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    result = ingest_file(path, "res", data_dir)
    with query.open_table(result.directory / result.table.file) as con:
        assert query.run(con, "SELECT a FROM data")[1] == [(1,)]
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_csv('/etc/passwd')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access=true")
        with pytest.raises(duckdb.Error):
            con.execute(f"SELECT * FROM read_parquet('{tmp_path}/../*.parquet')").fetchall()


def test_zip_bomb_is_refused_before_decompressing(tmp_path, data_dir):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1 << 20)
            for _ in range(200):
                member.write(block)
    assert bomb.stat().st_size < 2 << 20
    with pytest.raises(IngestError) as caught:
        ingest_file(bomb, "bomb", data_dir)
    assert caught.value.code == "zip_bomb"
    assert "zip bomb" in caught.value.problem.message("en")


def test_progress_is_reported_a_few_times_per_phase(tmp_path, data_dir):
    calls = []
    path = write_cp932(tmp_path, "a.csv", "番号,名称\n" + "".join(f"{i},施設{i}\n" for i in range(1, 500)))
    ingest_file(path, "p", data_dir, progress=lambda phase, done, total: calls.append((phase, done, total)))
    phases = [phase for phase, _, _ in calls]
    assert phases[0] == "decode" and "convert" in phases and calls[-1] == ("publish", 1, 1)
    assert all(total is None or 0 <= done <= total for _, done, total in calls)
    assert len(calls) < 30
    wb = openpyxl.Workbook()
    wb.active.append(["a", "b"])
    wb.active.append([1, 2])
    workbook = tmp_path / "a.xlsx"
    wb.save(workbook)
    calls.clear()
    ingest_file(workbook, "w", data_dir, progress=lambda phase, done, total: calls.append((phase, done, total)))
    assert ("read", 1, None) in calls and calls[-1] == ("publish", 1, 1)
