"""Staff override a column's inferred type (the data dictionary's ``type_override``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hiraku.datastore import coltypes, query
from hiraku.datastore.errors import IngestError
from hiraku.datastore.ingest import ingest_file

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
