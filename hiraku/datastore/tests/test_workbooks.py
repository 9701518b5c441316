"""XLS and ODS workbooks through python-calamine: the same tables and types as .xlsx."""

import datetime as dt
import zipfile
from decimal import Decimal
from xml.sax.saxutils import escape

import openpyxl
import pytest

from hiraku.datastore import query
from hiraku.datastore.errors import IngestError
from hiraku.datastore.ingest import ingest_file

_NAMESPACES = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def _cell(value) -> str:
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, tuple):  # ("span", text, columns): a merged cell and the cells it covers
        _, text, columns = value
        return (f'<table:table-cell office:value-type="string" table:number-columns-spanned="{columns}">'
                f"<text:p>{escape(text)}</text:p></table:table-cell>" + "<table:covered-table-cell/>" * (columns - 1))
    if isinstance(value, bool):
        kind, attribute = "boolean", f'office:boolean-value="{str(value).lower()}"'
    elif isinstance(value, int | float):
        kind, attribute = "float", f'office:value="{value}"'
    elif isinstance(value, dt.date):
        kind, attribute = "date", f'office:date-value="{value.isoformat()}"'
    else:
        kind, attribute = "string", ""
    return (f'<table:table-cell office:value-type="{kind}" {attribute}>'
            f"<text:p>{escape(str(value))}</text:p></table:table-cell>")


def write_ods(path, sheets: dict[str, list[list]]) -> None:
    """A minimal OpenDocument spreadsheet: mimetype, manifest and content.xml."""
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join("<table:table-row>" + "".join(_cell(v) for v in row) + "</table:table-row>" for row in rows)
        + "</table:table>"
        for name, rows in sheets.items())
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {_NAMESPACES} office:version="1.2">'
               f"<office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)


POPULATION = [
    ["地区別人口（令和5年4月1日現在）"],
    [],
    ["地区", "男", "女", "調査日", "調査日時", "駐車場"],
    ["番町", 1100, 1300, dt.date(2023, 4, 1), dt.datetime(2023, 4, 1, 9, 30), True],
    ["錦町", 700, 900.5, dt.date(2023, 4, 2), dt.datetime(2023, 4, 2, 10, 0), False],
    [None, None, None, None, None, None],
    ["扇町", 500, 650, "令和5年4月3日", dt.datetime(2023, 4, 3, 11, 0), True],
]


def test_ods_sheets_title_rows_and_types(tmp_path, data_dir):
    path = tmp_path / "pop.ods"
    write_ods(path, {"人口": POPULATION, "注記": [["この表は…"]], "空": [],
                     "コード": [["コード", "名称"], ["011002", "札幌市"]]})
    result = ingest_file(path, "pop", data_dir)
    assert result.format == "ods"
    assert [t.sheet for t in result.tables] == ["人口", "コード"]
    table = result.table
    assert table.header_rows == [3] and table.row_count == 3
    assert {c.id: c.type for c in table.columns} == {
        "地区": "text", "男": "integer", "女": "decimal", "調査日": "date", "調査日時": "datetime", "駐車場": "boolean"}
    assert any(w.code == "title_rows_skipped" for w in table.warnings)
    rows = query.fetch_rows(result.directory / table.file)
    assert rows[1]["女"] == Decimal("900.5") and rows[2]["調査日"] == dt.date(2023, 4, 3)
    assert rows[0]["調査日時"] == dt.datetime(2023, 4, 1, 9, 30)
    assert query.fetch_rows(result.directory / result.tables[1].file)[0]["コード"] == "011002"


def test_ods_and_xlsx_give_the_same_table(tmp_path, data_dir):
    ods = tmp_path / "pop.ods"
    write_ods(ods, {"人口": POPULATION})
    wb = openpyxl.Workbook()
    wb.active.title = "人口"
    for row in POPULATION:
        wb.active.append(row)
    xlsx = tmp_path / "pop.xlsx"
    wb.save(xlsx)
    from_ods, from_xlsx = ingest_file(ods, "o", data_dir), ingest_file(xlsx, "x", data_dir)
    assert [c.as_dict() for c in from_ods.table.columns] == [c.as_dict() for c in from_xlsx.table.columns]
    assert query.fetch_rows(from_ods.directory / from_ods.table.file) == \
        query.fetch_rows(from_xlsx.directory / from_xlsx.table.file)


def expect(path, data_dir, code):
    with pytest.raises(IngestError) as exc:
        ingest_file(path, "bad", data_dir)
    problem = exc.value.problem
    assert problem.code == code
    assert problem.message("ja") != problem.message("en")
    return problem


def test_corrupt_workbooks(tmp_path, data_dir):
    good = tmp_path / "good.ods"
    write_ods(good, {"a": [["a", "b"], [1, 2]]})
    cut = tmp_path / "cut.ods"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert "ODS" in expect(cut, data_dir, "corrupt_workbook").message("en")
    text = tmp_path / "text.ods"
    text.write_text("a,b\n1,2\n", encoding="utf-8")
    expect(text, data_dir, "corrupt_workbook")
    ole = tmp_path / "old.xls"
    ole.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1024))
    assert "XLS" in expect(ole, data_dir, "corrupt_workbook").message("en")
    not_ole = tmp_path / "csv.xls"
    not_ole.write_text("a,b\n1,2\n", encoding="utf-8")
    expect(not_ole, data_dir, "corrupt_workbook")
    numbers = tmp_path / "a.numbers"
    numbers.write_bytes(b"PK\x03\x04")
    expect(numbers, data_dir, "unsupported_format")


def test_ods_group_header_over_merged_cells(tmp_path, data_dir):
    path = tmp_path / "group.ods"
    write_ods(path, {"人口": [
        ["地区", ("span", "人口", 2), "世帯"],
        [None, "男", "女", "世帯数"],
        ["番町", 1100, 1300, 1200],
        ["錦町", 700, 900, 800],
        ["扇町", 500, 650, 600],
    ]})
    table = ingest_file(path, "group", data_dir).table
    assert table.header_rows == [1, 2]
    assert [c.id for c in table.columns] == ["地区", "人口 / 男", "人口 / 女", "世帯 / 世帯数"]
