"""Downloads list the rows in table order, whatever order the stored file holds them in."""

import csv

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from hiraku.datastore import dumps


@pytest.fixture
def shuffled(tmp_path):
    path = tmp_path / "v1.parquet"
    pq.write_table(pa.table({"_id": [3, 1, 2], "名称": ["三", "一", "二"]}), path)
    return path


def test_parquet_download_is_in_row_order(shuffled):
    target = dumps.dump_path(shuffled, "parquet", [])
    assert target != shuffled
    assert pq.read_table(target).to_pydict() == {"_id": [1, 2, 3], "名称": ["一", "二", "三"]}


def test_csv_download_is_in_row_order(shuffled):
    with dumps.dump_path(shuffled, "csv", []).open(encoding="utf-8") as fh:
        assert [row[1] for row in csv.reader(fh)] == ["名称", "一", "二", "三"]


def test_export_of_selected_rows_streams_in_order_and_gives_up_cleanly(tmp_path):
    import duckdb

    from hiraku.datastore import search

    table = tmp_path / "v1.parquet"
    duckdb.execute(f"COPY (SELECT i AS _id, (i * 7919) % 1000003 AS n, 'row ' || i AS name FROM range(1, 2000001) t(i)) "
                   f"TO '{table}' (FORMAT parquet)")
    rows = tmp_path / "rows.parquet"
    search.export(table, search.SearchRequest(sort="n desc", limit=None, offset=5, fields=["n"]), rows)
    got = pq.read_table(rows).column("n").to_pylist()
    assert len(got) == 2_000_000 - 5 and got == sorted(got, reverse=True) and got[0] < 1000003
    with pytest.raises(search.ExportTooLarge):
        search.export(table, search.SearchRequest(sort="name", limit=None), tmp_path / "slow.parquet", timeout=0.05)
