import datetime as dt
import json
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.utils import translation

from hiraku.datastore import sql as sqlmod
from hiraku.datastore.sql import Prepared, SQLRejected, execute_sql, iso_duration, prepare, run_prepared

SPOTS = "0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c00"
WARDS = "0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c01"
BIG = "0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c02"
SECRET = "top-secret-value-42"


def write(path, columns: dict, types: dict | None = None):
    path.parent.mkdir(parents=True, exist_ok=True)
    types = types or {}
    arrays = {name: pa.array(values, types.get(name)) for name, values in columns.items()}
    pq.write_table(pa.table(arrays), path)
    return path


@pytest.fixture
def tables(data_dir):
    root = data_dir / "datastore"
    spots = write(root / SPOTS / "v1.parquet", {
        "_id": [1, 2, 3, 4],
        "名称": ["高松城跡", "栗林公園", "屋島", "玉藻公園"],
        "区分": ["史跡", "公園", "山", "公園"],
        "緯度": [Decimal("34.350"), Decimal("34.329"), Decimal("34.360"), Decimal("34.351")],
        "開園日": [dt.date(1955, 5, 5), dt.date(1875, 3, 16), None, dt.date(1955, 5, 5)],
        "入園者数": [120000, 800000, None, 90000],
    }, {"_id": pa.int64(), "緯度": pa.decimal128(9, 3), "開園日": pa.date32(), "入園者数": pa.int64()})
    wards = write(root / WARDS / "v1.parquet", {
        "区分": ["史跡", "公園", "山"],
        "説明": ["歴史的な場所", "都市公園", "自然"],
    })
    big = write(root / BIG / "v1.parquet", {"_id": list(range(1, 2001))}, {"_id": pa.int64()})
    # A private file next to a published one: nothing may ever read it.
    (root / SPOTS / "secret.csv").write_text(f"secret\n{SECRET}\n", encoding="utf-8")
    return {SPOTS: spots, WARDS: wards, BIG: big}


@pytest.fixture
def resolver(tables):
    calls = []

    def resolve(name):
        calls.append(name)
        return tables.get(name)

    resolve.calls = calls
    return resolve


def run(sql, resolve, **kwargs):
    return execute_sql(sql, resolve, **kwargs)


# --- results ---------------------------------------------------------------


def test_where_group_by_order_by_with_japanese_names(resolver):
    result = run(f'SELECT "区分", count(*), sum("入園者数") FROM "{SPOTS}" '
                 f'WHERE "緯度" > 34.3 GROUP BY 1 ORDER BY 2 DESC, 1', resolver)
    assert result.fields == [{"id": "区分", "type": "text"}, {"id": "count", "type": "int"},
                             {"id": "sum", "type": "int"}]
    assert result.records == [
        {"区分": "公園", "count": 2, "sum": 890000},
        {"区分": "史跡", "count": 1, "sum": 120000},
        {"区分": "山", "count": 1, "sum": None},
    ]
    assert result.truncated is False
    assert result.sql.startswith('SELECT "区分"')
    assert resolver.calls == [SPOTS]


def test_values_are_json_ready(resolver):
    result = run(f'SELECT "名称", "緯度", "開園日", "開園日"::timestamp AS ts, true AS ok, '
                 f"interval '1 day 2 hours' AS span, '12:30'::time AS t "
                 f'FROM "{SPOTS}" WHERE "_id" = 1', resolver)
    types = {f["id"]: f["type"] for f in result.fields}
    assert types == {"名称": "text", "緯度": "numeric", "開園日": "date", "ts": "timestamp",
                     "ok": "bool", "span": "interval", "t": "time"}
    assert result.records == [{"名称": "高松城跡", "緯度": 34.35, "開園日": "1955-05-05",
                               "ts": "1955-05-05T00:00:00", "ok": True, "span": "P1DT2H", "t": "12:30:00"}]
    json.dumps(result.records, allow_nan=False)


def test_decimal_columns_are_numbers_only_when_lossless(resolver):
    result = run("SELECT 34.351::numeric(9,3) AS exact, "
                 "12345678901234567890.123::numeric(38,3) AS wide, "
                 "'nan'::float8 AS nan, 1e308::float8 * 10 AS inf", resolver)
    assert result.records == [{"exact": 34.351, "wide": "12345678901234567890.123",
                               "nan": "NaN", "inf": "Infinity"}]
    json.dumps(result.records, allow_nan=False)


def test_join_of_two_resources(resolver):
    result = run(f'SELECT s."名称", w."説明" FROM "{SPOTS}" s JOIN "{WARDS}" w ON s."区分" = w."区分" '
                 f'ORDER BY s."_id"', resolver)
    assert [r["説明"] for r in result.records] == ["歴史的な場所", "都市公園", "自然", "都市公園"]
    assert sorted(resolver.calls) == sorted([SPOTS, WARDS])


def test_table_name_qualifies_columns(resolver):
    result = run(f'SELECT "{SPOTS}"."名称" FROM "{SPOTS}" WHERE "{SPOTS}"."_id" = 3', resolver)
    assert result.records == [{"名称": "屋島"}]


def test_cte_and_union(resolver):
    result = run(f'''WITH parks AS (SELECT "名称" FROM "{SPOTS}" WHERE "区分" = '公園')
                     SELECT "名称" FROM parks UNION ALL SELECT '屋島' ORDER BY 1''', resolver)
    assert [r["名称"] for r in result.records] == sorted(["栗林公園", "玉藻公園", "屋島"])
    assert resolver.calls == [SPOTS]  # the CTE name is never resolved


def test_window_functions(resolver):
    result = run(f'SELECT "名称", rank() OVER (PARTITION BY "区分" ORDER BY "入園者数" DESC) AS r, '
                 f'lag("名称") OVER (ORDER BY "_id") AS prev FROM "{SPOTS}" ORDER BY "_id"', resolver)
    assert [(r["r"], r["prev"]) for r in result.records] == [(1, None), (1, "高松城跡"), (1, "栗林公園"),
                                                              (2, "屋島")]


def test_postgres_functions_are_translated(resolver):
    result = run(f"""SELECT string_agg("名称", '、' ORDER BY "_id") AS names,
                            strpos('高松城跡', '城') AS pos,
                            extract(year FROM max("開園日")) AS y,
                            to_char(min("開園日"), 'YYYY/MM/DD') AS d,
                            regexp_replace(max("区分") || '公園', '公園', 'パーク', 'g') AS re,
                            percentile_cont(0.5) WITHIN GROUP (ORDER BY "入園者数") AS p
                     FROM "{SPOTS}" """, resolver)
    assert result.records == [{"names": "高松城跡、栗林公園、屋島、玉藻公園", "pos": 3, "y": 1955,
                               "d": "1875/03/16", "re": "山パーク", "p": 120000.0}]


def test_row_cap_truncates_and_keeps_order(resolver):
    result = run(f'SELECT "_id" FROM "{BIG}" ORDER BY "_id" DESC', resolver, row_cap=5)
    assert [r["_id"] for r in result.records] == [2000, 1999, 1998, 1997, 1996]
    assert result.truncated is True
    exact = run(f'SELECT "_id" FROM "{BIG}" LIMIT 5', resolver, row_cap=5)
    assert len(exact.records) == 5 and exact.truncated is False


def test_unquoted_names_fold_to_lower_case(tables):
    result = run("SELECT count(*) AS n FROM Lower_Table", {"lower_table": tables[BIG]}.get)
    assert result.records == [{"n": 2000}]


# --- refusals --------------------------------------------------------------

ESCAPES = {
    "read_csv": ("SELECT * FROM read_csv('/etc/passwd')", "table_function"),
    "read_csv_auto": ("SELECT * FROM read_csv_auto('{secret}')", "table_function"),
    "read_text": ("SELECT * FROM read_text('/etc/passwd')", "table_function"),
    "read_blob": ("SELECT * FROM read_blob('/etc/passwd')", "table_function"),
    "read_parquet": ("SELECT * FROM read_parquet('{parquet}')", "table_function"),
    "glob": ("SELECT * FROM glob('/*')", "syntax_error"),
    "string_table": ("SELECT * FROM '/etc/passwd'", "string_table_name"),
    "string_table_secret": ("SELECT * FROM '{secret}'", "string_table_name"),
    "copy": ('COPY "{spots}" TO \'/tmp/out.csv\'', "not_select"),
    "copy_query": ("COPY (SELECT 1) TO '/tmp/out.csv'", "not_select"),
    "attach": ("ATTACH '/tmp/x.db' AS x", "syntax_error"),
    "install": ("INSTALL httpfs", "not_select"),
    "load": ("LOAD httpfs", "not_select"),
    "pragma": ("PRAGMA enable_external_access", "not_select"),
    "set": ("SET enable_external_access = true", "not_select"),
    "reset": ("RESET ALL", "not_select"),
    "two_statements": ("SELECT 1; SELECT 2", "multiple_statements"),
    "comment_trick": ("SELECT 1 /*;*/; DROP TABLE x", "multiple_statements"),
    "create": ("CREATE TABLE t AS SELECT 1", "not_select"),
    "drop": ('DROP VIEW "{spots}"', "not_select"),
    "insert": ('INSERT INTO "{spots}" VALUES (1)', "not_select"),
    "update": ('UPDATE "{spots}" SET "名称" = \'x\'', "not_select"),
    "delete": ('DELETE FROM "{spots}"', "not_select"),
    "duckdb_settings": ("SELECT * FROM duckdb_settings()", "table_function"),
    "duckdb_tables": ("SELECT * FROM duckdb_tables", "table_not_found"),
    "pg_settings": ("SELECT * FROM pg_settings", "table_not_found"),
    "information_schema": ("SELECT * FROM information_schema.tables", "qualified_name"),
    "pg_catalog": ("SELECT * FROM pg_catalog.pg_tables", "qualified_name"),
    "getenv": ("SELECT getenv('HOME')", "function_not_allowed"),
    "current_setting": ("SELECT current_setting('allowed_paths')", "function_not_allowed"),
    "pg_read_file": ("SELECT pg_read_file('/etc/passwd')", "function_not_allowed"),
    "quoted_function": ("SELECT \"getenv\"('HOME')", "function_not_allowed"),
    "scalar_in_where": ('SELECT 1 FROM "{spots}" WHERE getvariable(\'x\') IS NULL', "function_not_allowed"),
    "unknown_table": ('SELECT * FROM "no-such-resource"', "table_not_found"),
    "qualified": ('SELECT * FROM main."{spots}"', "qualified_name"),
    "catalog_qualified": ('SELECT * FROM memory.main."{spots}"', "qualified_name"),
    "select_into": ('SELECT * INTO copy FROM "{spots}"', "select_into"),
    "export": ("EXPORT DATABASE '/tmp/dump'", "syntax_error"),
    "import": ("IMPORT DATABASE '/tmp/dump'", "syntax_error"),
    "call": ("CALL pragma_version()", "not_select"),
    "checkpoint": ("CHECKPOINT", "not_select"),
    "vacuum": ("VACUUM", "not_select"),
    "detach": ("DETACH memory", "not_select"),
    "describe": ('DESCRIBE "{spots}"', "not_select"),
    "explain": ("EXPLAIN SELECT 1", "not_select"),
    "query_function": ("SELECT * FROM query('SELECT 1')", "table_function"),
    "sniff_csv": ("SELECT * FROM sniff_csv('/etc/passwd')", "table_function"),
    "parquet_metadata": ("SELECT * FROM parquet_metadata('{parquet}')", "table_function"),
    "lateral_function": ('SELECT * FROM "{spots}", LATERAL read_csv(\'/etc/passwd\')', "construct_not_allowed"),
    "subquery_function": ("SELECT * FROM (SELECT * FROM read_text('/etc/passwd')) t", "table_function"),
    "cte_function": ("WITH t AS (SELECT * FROM read_text('/etc/passwd')) SELECT * FROM t", "table_function"),
    "cte_out_of_scope": ("SELECT * FROM (WITH pg_settings AS (SELECT 1) SELECT 1) a, pg_settings",
                         "table_not_found"),
    "unicode_escape": ("SELECT * FROM U&\"\\0072\\0065\\0061\\0064\"('/etc/passwd')", "syntax_error"),
    "empty": ("  -- nothing\n", "empty_sql"),
    "unparsable": ("SELEC * FROM x", "syntax_error"),
    "unfinished": ("SELECT (", "syntax_error"),
    "parameter": ("SELECT $1", "construct_not_allowed"),
    "locking": ('SELECT * FROM "{spots}" FOR UPDATE', "construct_not_allowed"),
    "json_cast": ("SELECT '{{}}'::json", "type_not_allowed"),
    "unbounded_regex": ('SELECT regexp_replace("名称", "区分", \'x\') FROM "{spots}"', "unbounded_pattern"),
    "huge_repeat": ("SELECT repeat('x', 1000000000)", "unbounded_argument"),
    "huge_pad": ("SELECT lpad('x', 2000000000)", "unbounded_argument"),
}


@pytest.mark.parametrize("name", list(ESCAPES))
def test_escape_attempts_are_rejected(name, tables, resolver):
    template, code = ESCAPES[name]
    secret = tables[SPOTS].parent / "secret.csv"
    query = template.format(secret=secret, parquet=tables[WARDS], spots=SPOTS)
    with pytest.raises(SQLRejected) as caught:
        run(query, resolver)
    error = caught.value
    assert error.code == code, error
    for language in ("en", "ja"):
        text = error.text(language)
        assert text and SECRET not in text and str(tables[SPOTS].parent) not in text
    assert all(call in tables or call in {"no-such-resource", "duckdb_tables", "pg_settings"}
               for call in resolver.calls)


def test_huge_cross_join_is_stopped_by_the_timeout(resolver):
    with pytest.raises(SQLRejected) as caught:
        run(f'SELECT count(*) FROM "{BIG}" a, "{BIG}" b, "{BIG}" c', resolver, timeout=0.3)
    assert caught.value.code == "timeout"
    assert "0.3" in caught.value.text("en") and "0.3" in caught.value.text("ja")


def test_runaway_recursion_is_stopped(resolver):
    with pytest.raises(SQLRejected) as caught:
        run("WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r",
            resolver, timeout=0.3)
    assert caught.value.code in ("timeout", "out_of_memory")


def test_memory_limit_is_reported(resolver):
    with pytest.raises(SQLRejected) as caught:
        run(f'SELECT string_agg(a."_id"::text || b."_id"::text, \',\') FROM "{BIG}" a, "{BIG}" b',
            resolver, memory_limit="32MB", timeout=30)
    assert caught.value.code == "out_of_memory"


def test_result_size_is_bounded(resolver):
    with pytest.raises(SQLRejected) as caught:
        run(f'SELECT string_agg(lpad(\'x\', 1000), \'\') FROM "{BIG}"', resolver, max_result_bytes=100_000)
    assert caught.value.code == "result_too_large"


def test_errors_name_columns_but_not_files(tables, resolver):
    with pytest.raises(SQLRejected) as caught:
        run(f'SELECT "存在しない列" FROM "{SPOTS}"', resolver)
    assert caught.value.code == "invalid_reference"
    assert "存在しない列" in caught.value.text("en")
    with pytest.raises(SQLRejected) as caught:
        run("SELECT 'abc'::int", resolver)
    assert caught.value.code == "invalid_value"
    broken = tables[SPOTS].parent / "broken.parquet"
    broken.write_text("not parquet", encoding="utf-8")
    with pytest.raises(SQLRejected) as caught:
        run("SELECT * FROM broken", {"broken": broken}.get)
    for language in ("en", "ja"):
        assert str(broken.parent) not in caught.value.text(language)


def test_messages_are_translated(resolver):
    with pytest.raises(SQLRejected) as caught:
        run('SELECT * FROM "nowhere"', resolver)
    assert caught.value.text("en") == "Table not found: nowhere"
    assert caught.value.text("ja") == "テーブルが見つかりません: nowhere"
    assert str(caught.value) == "table_not_found: Table not found: nowhere"
    assert caught.value.params == {"name": "nowhere"}


def test_every_message_has_a_japanese_translation():
    for code, template in sqlmod.MESSAGES.items():
        with translation.override("en"):
            english = str(template)
        with translation.override("ja"):
            japanese = str(template)
        assert japanese != english, code


def test_comments_and_escaped_strings_never_reach_duckdb_as_text(resolver):
    prepared = prepare("SELECT 1 AS a -- */; DROP TABLE x\n/* ; ATTACH 'x' */", resolver)
    assert prepared.sql == 'SELECT 1 AS "a"'
    result = run("SELECT E'it\\'s' AS a, U&'\\0027' AS b, $$x'y$$ AS c /* /* nested */ ; SELECT 2 */",
                 resolver)
    assert result.records == [{"a": "it's", "b": "'", "c": "x'y"}]


def test_resolve_is_only_asked_about_real_table_names(resolver):
    with pytest.raises(SQLRejected):
        run("WITH t AS (SELECT 1) SELECT * FROM t, read_csv('/etc/passwd')", resolver)
    assert resolver.calls == []


def test_references_are_rewritten_to_generated_views(tables, resolver):
    prepared = prepare(f'WITH x AS (SELECT * FROM "{SPOTS}") SELECT count(*) FROM x', resolver)
    assert SPOTS not in prepared.sql.split(" AS ")[0]  # the id survives only as an alias
    assert '"__resource_1"' in prepared.sql and '"__cte_1"' in prepared.sql
    assert prepared.views == {"__resource_1": tables[SPOTS].resolve()}


# --- the locked connection on its own --------------------------------------

BYPASS = [
    "SELECT * FROM read_csv('/etc/passwd')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM read_parquet('{other}')",
    "SELECT * FROM glob('{directory}/*')",
]


@pytest.mark.parametrize("query", BYPASS)
def test_locked_connection_refuses_files_even_without_validation(query, tables):
    spots = tables[SPOTS].resolve()
    prepared = Prepared(
        sql=query.format(secret=spots.parent / "secret.csv", other=tables[WARDS], directory=spots.parent),
        views={"__resource_1": spots}, names={"__resource_1": SPOTS})
    with pytest.raises(SQLRejected) as caught:
        run_prepared(prepared)
    assert caught.value.code == "forbidden"
    assert SECRET not in caught.value.text("en")


def test_locked_connection_still_reads_its_own_views(tables):
    prepared = Prepared(sql='SELECT count(*) AS n FROM "__resource_1"',
                        views={"__resource_1": tables[BIG].resolve()})
    fields, records, truncated = run_prepared(prepared)
    assert records == [{"n": 2000}] and not truncated


def test_locked_connection_cannot_be_reconfigured(tables):
    directory = tables[BIG].resolve().parent
    con = sqlmod._connect({"__resource_1": tables[BIG].resolve()}, "64MB")
    try:
        for statement in ("SET enable_external_access = true", "SET lock_configuration = false",
                          "SET allowed_directories = ['/']", "INSTALL httpfs", "LOAD httpfs",
                          f"ATTACH '{directory}/attack.db' AS x", f"COPY (SELECT 1) TO '{directory}/attack.csv'"):
            with pytest.raises(sqlmod.duckdb.Error):
                con.execute(statement)
    finally:
        con.close()
    assert sorted(p.name for p in directory.iterdir()) == ["v1.parquet"]


# --- helpers ---------------------------------------------------------------


def test_iso_duration():
    assert iso_duration(0, 0, 0) == "PT0S"
    assert iso_duration(14, 3, 3_723_500_000_000) == "P1Y2M3DT1H2M3.5S"
    assert iso_duration(0, -1, -60 * 10**9) == "P-1DT-1M"
