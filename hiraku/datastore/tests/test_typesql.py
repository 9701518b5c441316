"""The SQL type system must agree with values.py on every value."""

import datetime as dt
from decimal import Decimal

import duckdb
import pytest

from hiraku.datastore import typesql as T
from hiraku.datastore import values as V

CORPUS = [
    "123", "１２３", "1,234,567", "１，２３４", "△1,500", "▲20", "-7", "+5", "0", "-0", "△0", "00", "012345",
    "0,123", "1234,567", "1,23", "△△5", "△ 5", "△-5", "+-5", "9223372036854775807", "9223372036854775808",
    "-9223372036854775809", "12345678901234567890123", "34.319621", "１２．５", "0.5", "00.5", "-0.25", "1.",
    ".5", "1e5", "12.5%", "△1,234.5", "2023-04-01", "1947/4/1", "2023年4月1日", "2023年 4月 1日", "令和5年4月1日",
    "令和元年5月1日", "R5.4.1", "r5.4.1", "R05/04/01", "H31.4.30", "平成31年4月30日", "平成元年1月8日",
    "昭和64年1月7日", "令和５年４月１日（土）", "2023/4/1(土)", "2023/4/1 (土曜日)", "2023/4/1(月・祝)",
    "2023-02-30", "0000-01-01", "R0.4.1", "令和5年13月1日", "2023/4-1", "2023-4-1-", "令和6年度", "R5", "9:00",
    "２２：３０", "9時30分", "9時", "10時5分3秒", "24:00", "9:60", "12:30:45.5", "12:30:45.1234567", "9時30",
    "2023/04/01 10:15:30", "2023-04-01T10:15", "2023-04-01 T 10:15", "2023/04/0110:15", "2023年4月1日10時",
    "2023年4月1日(土)10:00", "2023/4/1(土)10:00", "2023/4/1(土) 10:00", "R5.4.1 9:30", "令和5年4月1日 9時",
    "2023/04/01 24:00", "有", "無", "有り", "無し", "TRUE", "true", "False", "ｔｒｕｅ", "はい", "なし", "-", "--",
    "－", "ー", "―", "—", "−", "‐", "---", "高松市", "760-0001", "087-841-2146", " 42 ", "\u300042\u3000",
    "42\t", "１２３４５６７８９０", "٣", "²", "Ｒ５．４．１", "ｈ３１．４．３０", "T1.1.1", "M45.7.30", "大正元年12月1日",
    "１２Ｘ", "令和5年\u30004月1日", "ＴＲＵＥ", "ｆａｌｓｅ", "12％", "（土）", "２０２３／４／１（土）", "１０：１５",
    "２０２３年４月１日　１０時", "△１，５００", "▲１２．５", "ー", "香川県高松市番町１２番3号", "Ｘ１２",
]


@pytest.fixture(scope="module")
def con():
    connection = duckdb.connect()
    connection.execute("CREATE TABLE cells (v VARCHAR)")
    connection.executemany("INSERT INTO cells VALUES (?)", [[v] for v in CORPUS])
    yield connection
    connection.close()


def python_code(value: str) -> int | None:
    stripped = value.strip()
    if not stripped:
        return None
    if V.normalize(stripped) in V.NULL_MARKERS:
        return T.MARKER
    kind = V.classify(stripped)
    if kind == V.INTEGER and not -(2**63) <= V.parse_integer(stripped) < 2**63:
        kind = V.DECIMAL
    return {v: k for k, v in T.CODE_KINDS.items()}[kind]


def sql_codes(con):
    return con.execute(f"SELECT v0, k0 FROM ({T.cell_layers('cells', ['v'], [], [None])})").fetchall()


def test_sql_classifies_every_value_like_python(con):
    rows = sql_codes(con)
    mismatches = [(v, python_code(v), code) for v, code in rows if python_code(v) != code]
    assert mismatches == []


@pytest.mark.parametrize("kind", [V.INTEGER, V.DECIMAL, V.BOOLEAN, V.DATE, V.TIME, V.DATETIME])
def test_sql_converts_every_value_like_python(con, kind):
    fitting = {c for c, k in T.CODE_KINDS.items() if V.join(kind, k) == kind}
    values = [v for v, code in sql_codes(con) if code in fitting]
    assert values, kind
    source = f"(SELECT v FROM cells WHERE v IN ({', '.join(T.literal(v) for v in values)}))"
    got = con.execute(f"SELECT v0, {T.converted(0, kind, 38, 10)} "
                      f"FROM ({T.cell_layers(source, ['v'], [], [kind])})").fetchall()
    assert len(got) == len(values)
    for value, result in got:
        expected = V.convert(value.strip(), kind)
        if kind == V.DECIMAL:
            expected = Decimal(expected)
        assert result == expected, value


def test_column_kind_joins_like_python():
    counts = T.ColumnCounts(kinds={T.INTEGER: 5, T.DECIMAL: 1})
    assert T.column_kind(counts) == V.DECIMAL
    assert T.column_kind(T.ColumnCounts(kinds={T.DATE: 3, T.DATETIME: 2})) == V.DATETIME
    assert T.column_kind(T.ColumnCounts(kinds={T.DATE: 3, T.TEXT: 1})) == V.TEXT
    assert T.typed_kind(T.ColumnCounts(kinds={T.DATE: 3, T.TEXT: 1})) == V.DATE
    assert T.column_kind(T.ColumnCounts(kinds={})) == V.TEXT


def test_markers_and_blanks_become_null(con):
    source = "(SELECT '－' AS a, CAST(NULL AS VARCHAR) AS b, 'R5.4.1' AS c, ' ' AS d)"
    kinds = [V.INTEGER, V.DATE, V.DATETIME, V.BOOLEAN]
    converted = ", ".join(T.converted(i, kind) for i, kind in enumerate(kinds))
    got = con.execute(f"SELECT {converted} FROM ({T.cell_layers(source, list('abcd'), [], kinds)})").fetchone()
    assert got == (None, None, dt.datetime(2023, 4, 1), None)


def test_blank_cells_become_null_like_python_strip(con):
    edges = ["", "!", "\x7f", "\x84", "\x85x", "é", "\u2fff", "\u3001", "\u3041", "あ", " x", "x ", "\u3000あ"]
    cells = edges + [ws for ws in T.WHITESPACE] + [ws * 3 for ws in T.WHITESPACE] + [ws + "1" for ws in T.WHITESPACE]
    rows = con.execute(f"SELECT v, {T.blank_to_null('v')} FROM (SELECT unnest(?) AS v)", [cells]).fetchall()
    assert [(v, None if not v.strip() else v) for v in cells] == rows
