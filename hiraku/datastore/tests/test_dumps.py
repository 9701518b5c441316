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
