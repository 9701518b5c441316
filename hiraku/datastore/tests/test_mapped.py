"""The mapped Arrow copy answers datastore_search exactly as the Parquet path does."""

import datetime as dt
import random
from decimal import Decimal

import duckdb
import pyarrow as pa
import pytest

from hiraku.datastore import mapped
from hiraku.datastore import search as table_search
from hiraku.datastore.search import SearchInputError, SearchRequest

WARDS = ["番町", "錦町", "瓦町", "髙松町", "Ａ地区", None]
NOTES = ["駐輪場あり", "①第２・第４月曜日休館", "Wi-Fi あり", "WIFI", "", None]


def _rows(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        maybe = (lambda value: None if rng.random() < 0.1 else value)  # noqa: E731
        rows.append({
            "_id": i,
            "名称": maybe(f"{rng.choice(['公園', '図書館', 'Library', 'トショカン'])}{rng.randrange(50)}"),
            "地区": rng.choice(WARDS),
            "定員": maybe(rng.randrange(-5, 40)),
            "面積": maybe(Decimal(rng.randrange(0, 5000)) / 100),
            "比率": maybe(rng.choice([0.5, 1.25, -3.0, 2.0])),
            "駐車場": maybe(rng.random() < 0.5),
            "開設日": maybe(dt.date(2000, 1, 1) + dt.timedelta(days=rng.randrange(40))),
            "開始時間": maybe(dt.time(rng.randrange(6, 10), rng.choice([0, 30]))),
            "登録日時": maybe(dt.datetime(2023, 4, 1, rng.randrange(24), rng.randrange(60))),
            "備考": rng.choice(NOTES),
        })
    return rows


SCHEMA = pa.schema([
    ("_id", pa.int64()), ("名称", pa.string()), ("地区", pa.string()), ("定員", pa.int64()),
    ("面積", pa.decimal128(7, 2)), ("比率", pa.float64()), ("駐車場", pa.bool_()), ("開設日", pa.date32()),
    ("開始時間", pa.time64("us")), ("登録日時", pa.timestamp("us")), ("備考", pa.string()),
])


@pytest.fixture(params=["in_id_order", "shuffled"])
def table_path(request, tmp_path, monkeypatch):
    """A Parquet table (rows in _id order, or shuffled as parallel ingestion writes them) with its copy.

    Small batches make the copy hold several, as a large table's does.
    """
    monkeypatch.setattr(mapped, "BATCH_ROWS", 97)
    rows = _rows(700, seed=7)
    if request.param == "shuffled":
        random.Random(3).shuffle(rows)
    staging = tmp_path / "rows.parquet"
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), staging)
    path = tmp_path / "v1.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT * FROM read_parquet('{staging}')) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 128)")
    assert mapped.build(path) == tmp_path / "v1.arrow"
    return path


REQUESTS = [
    SearchRequest(),
    SearchRequest(limit=10, offset=95),
    SearchRequest(limit=5, offset=698),
    SearchRequest(limit=0),
    SearchRequest(offset=5000),
    SearchRequest(sort="_id desc", limit=20, offset=3),
    SearchRequest(filters={"地区": "番町"}, sort='"定員" desc', limit=15),
    SearchRequest(filters={"地区": ["番町", "錦町"], "駐車場": True}, sort='"面積", "開設日" desc', limit=40),
    SearchRequest(filters={"地区": None}, limit=30),
    SearchRequest(filters={"地区": ["瓦町", None], "定員": [3, "7"]}, sort='"名称"', limit=50),
    SearchRequest(filters={"開設日": "2000-01-05", "開始時間": "09:30:00"}),
    SearchRequest(filters={"面積": ["12.5", "0"], "比率": "1.25"}),
    SearchRequest(filters={"登録日時": "2023-04-01 10:30:00"}),
    SearchRequest(filters={"駐車場": False}, sort='"開始時間" desc, "比率"', limit=25, offset=10),
    SearchRequest(filters={"地区": []}, limit=5),
    SearchRequest(q="公園", limit=30),
    SearchRequest(q="library", limit=30, offset=4),
    SearchRequest(q="ＷＩ－ＦＩ", sort='"登録日時" desc'),
    SearchRequest(q="公園 番町", filters={"駐車場": True}),
    SearchRequest(q="   "),
    SearchRequest(q={"名称": "トショカン", "備考": "駐輪場"}, sort="_id desc"),
    SearchRequest(q={"定員": "1"}, limit=30),
    SearchRequest(fields=["備考", "_id", "面積"], sort='"備考" desc', limit=60),
    SearchRequest(fields=["名称"], filters={"地区": "Ａ地区"}, include_total=False),
]


@pytest.mark.parametrize("request_index", range(len(REQUESTS)))
def test_copy_answers_as_parquet_does(table_path, request_index):
    search_request = REQUESTS[request_index]
    expected = table_search.search(table_path, search_request)
    answered = mapped.search(table_path, search_request)
    assert answered is not None
    assert answered.fields == expected.fields
    assert answered.total == expected.total
    assert answered.rows == expected.rows


def test_many_random_requests_agree(table_path):
    rng = random.Random(11)
    columns = [f.name for f in SCHEMA]
    for _ in range(60):
        sort_columns = rng.sample(columns, rng.randrange(1, 3))
        search_request = SearchRequest(
            filters={"地区": rng.choice(WARDS)} if rng.random() < 0.5 else {},
            q=rng.choice([None, "公園", "町", "wi"]),
            sort=", ".join(f'"{c}" {rng.choice(["asc", "desc"])}' for c in sort_columns),
            limit=rng.randrange(1, 80), offset=rng.randrange(0, 200),
        )
        expected = table_search.search(table_path, search_request)
        answered = mapped.search(table_path, search_request)
        assert (answered.total, answered.rows) == (expected.total, expected.rows), search_request


def test_bad_parameters_give_the_same_errors(table_path):
    for bad in (SearchRequest(filters={"定員": "many"}), SearchRequest(filters={"無い列": 1}),
                SearchRequest(fields=["無い列"]), SearchRequest(sort="無い列"), SearchRequest(q={"無い列": "x"})):
        with pytest.raises(SearchInputError) as from_parquet:
            table_search.search(table_path, bad)
        with pytest.raises(SearchInputError) as from_copy:
            mapped.search(table_path, bad)
        assert (from_copy.value.field, str(from_copy.value.message)) == (
            from_parquet.value.field, str(from_parquet.value.message))


def test_distinct_and_tables_without_a_copy_go_to_parquet(table_path, tmp_path):
    assert mapped.search(table_path, SearchRequest(distinct=True, fields=["地区"])) is None
    mapped.copy_path(table_path).unlink()
    assert mapped.search(table_path, SearchRequest()) is None


def test_a_new_version_replaces_the_copies_of_earlier_ones(table_path):
    directory = table_path.parent
    later = directory / "v2.parquet"
    later.write_bytes(table_path.read_bytes())
    mapped.build(later)
    assert sorted(p.name for p in directory.glob("*.arrow")) == ["v2.arrow"]
    assert not [p for p in directory.iterdir() if p.name.startswith(".arrow-")]


def test_a_table_with_a_reserved_column_name_has_no_copy(tmp_path):
    path = tmp_path / "v1.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 1::BIGINT AS _id, 'x' AS {mapped.JOINED_TEXT}) TO '{path}' (FORMAT parquet)")
    assert mapped.build(path) is None
    assert not mapped.copy_path(path).exists()


# --- In the product ------------------------------------------------------------------------

def test_an_upload_gets_a_copy_that_datastore_search_answers_from(client, toilets, monkeypatch):
    from hiraku.api.tests.helpers import call_get, result_of
    from hiraku.datastore import services
    from hiraku.datastore.models import DatastoreTable

    table = DatastoreTable.objects.get(resource=toilets)
    assert mapped.copy_path(services.parquet_path(table)).is_file()
    answered = []
    original = mapped.search
    monkeypatch.setattr(mapped, "search", lambda *args: answered.append(original(*args)) or answered[-1])
    result = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk), q="公園",
                                sort="男性トイレ総数 desc", fields="名称"))
    assert result["records"] == [{"名称": "中央公園トイレ"}, {"名称": "栗林公園北門トイレ"}]
    assert result["total"] == 2
    assert answered and answered[0] is not None


def test_a_pushed_table_gets_a_copy_of_each_version(client, city, django_capture_on_commit_callbacks):
    from hiraku.api.tests.helpers import result_of
    from hiraku.api.tests.test_write_actions import post, token_for
    from hiraku.datastore import services
    from hiraku.datastore.models import DatastoreTable

    from .factories import make_dataset

    token = token_for(city)
    dataset = make_dataset(city, "nurseries")
    with django_capture_on_commit_callbacks(execute=True):
        created = result_of(post(client, "datastore_create", token, resource={"package_id": dataset.name},
                                 fields=[{"id": "名称", "type": "text"}], records=[{"名称": "中央保育所"}]))
        result_of(post(client, "datastore_upsert", token, resource_id=created["resource_id"], method="insert",
                       records=[{"名称": "東保育所"}]))
    table = DatastoreTable.objects.get(resource_id=created["resource_id"])
    copy = mapped.copy_path(services.parquet_path(table))
    assert copy.name == f"v{table.version}.arrow" and table.version == 2
    assert sorted(p.name for p in copy.parent.glob("*.arrow")) == [copy.name]
    assert [row[1] for row in mapped.search(services.parquet_path(table), SearchRequest()).rows] == [
        "中央保育所", "東保育所"]


def test_a_table_without_a_copy_is_answered_from_parquet_and_gets_one(client, toilets,
                                                                      django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from hiraku.api.tests.helpers import call_get, result_of
    from hiraku.datastore import services
    from hiraku.datastore.models import DatastoreTable

    cache.clear()
    table = DatastoreTable.objects.get(resource=toilets)
    copy = mapped.copy_path(services.parquet_path(table))
    copy.unlink()  # as for a table published before copies existed
    with django_capture_on_commit_callbacks(execute=True):
        result = result_of(call_get(client, "datastore_search", resource_id=str(toilets.pk), q="公園"))
    assert result["total"] == 2
    assert copy.is_file()


def test_a_table_with_other_column_types_is_searched_in_parquet(tmp_path):
    path = tmp_path / "v1.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 1::BIGINT AS _id, INTERVAL 1 DAY AS span) TO '{path}' (FORMAT parquet)")
    assert mapped.build(path) is not None
    assert mapped.search(path, SearchRequest()) is None
    assert table_search.search(path, SearchRequest()).total == 1


def test_an_empty_table_is_answered_from_its_copy(tmp_path):
    path = tmp_path / "v1.parquet"
    with duckdb.connect() as con:
        con.execute(f"COPY (SELECT 1::BIGINT AS _id, 'x' AS 名称 WHERE false) TO '{path}' (FORMAT parquet)")
    assert mapped.build(path) is not None
    for search_request in (SearchRequest(), SearchRequest(q="x", sort="名称 desc"), SearchRequest(filters={"名称": "x"})):
        answered = mapped.search(path, search_request)
        assert (answered.total, answered.rows) == (0, [])
