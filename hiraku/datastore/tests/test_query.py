"""The locked databases a process keeps per table."""

import threading

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hiraku.datastore import query


def write(path, values):
    pq.write_table(pa.table({"_id": list(range(1, len(values) + 1)), "名称": values}), path)
    return path


def test_a_cursor_outlives_the_eviction_of_its_database(tmp_path, monkeypatch):
    monkeypatch.setattr(query, "KEPT_DATABASES", 1)
    first = write(tmp_path / "a.parquet", ["一", "二"])
    second = write(tmp_path / "b.parquet", ["三"])
    with query.open_table(first) as cursor:
        with query.open_table(second) as other:
            assert query.run(other, "SELECT 名称 FROM data")[1] == [("三",)]
        assert query.run(cursor, "SELECT count(*) FROM data")[1] == [(2,)]


def test_a_file_replaced_at_the_same_path_is_read_anew(tmp_path):
    path = write(tmp_path / "v1.parquet", ["一"])
    assert query.fetch_rows(path) == [{"_id": 1, "名称": "一"}]
    pq.write_table(pa.table({"_id": [1, 2], "別名": ["x", "y"]}), path)
    assert [r["別名"] for r in query.fetch_rows(path)] == ["x", "y"]


def test_a_missing_file_is_an_io_error(tmp_path):
    with pytest.raises(duckdb.IOException):
        with query.open_table(tmp_path / "gone.parquet"):
            pass


def test_threads_query_one_table_at_once(tmp_path):
    path = write(tmp_path / "v1.parquet", [str(i) for i in range(5000)])
    counts, errors = [], []

    def count():
        try:
            with query.open_table(path) as cursor:
                counts.append(query.run(cursor, "SELECT count(*) FROM data")[1][0][0])
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and counts == [5000] * 8


def test_the_kept_database_stays_locked(tmp_path):
    path = write(tmp_path / "v1.parquet", ["一"])
    secret = tmp_path.parent / "secret.csv"
    secret.write_text("x\n1\n")
    with query.open_table(path) as cursor:
        with pytest.raises(duckdb.Error):
            query.run(cursor, f"SELECT * FROM read_csv('{secret}')")
        with pytest.raises(duckdb.Error):
            query.run(cursor, "SET enable_external_access = true")
