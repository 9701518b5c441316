import io

from hiraku.datastore import bench


def test_bench_run_types_every_column():
    out = io.StringIO()
    figures = bench.run(300, out)
    assert figures["row_count"] == figures["query_count"] == 300
    assert figures["encoding"] == "cp932"
    assert figures["rows_per_second"] > 0
    types = figures["types"]
    assert types["ID"] == "integer" and types["施設番号"] == "text"
    assert types["更新日"] == "date" and types["登録日時"] == "datetime" and types["開始時間"] == "time"
    assert types["定員"] == types["利用者数"] == types["収支"] == "integer"
    assert types["緯度"] == types["面積"] == "decimal"
    assert types["駐車場"] == "boolean"
    assert "rows/s" in out.getvalue()


def test_generated_csv_is_cp932_with_crlf(tmp_path):
    path = tmp_path / "b.csv"
    bench.generate_csv(path, 20)
    data = path.read_bytes()
    assert data.count(b"\r\n") == 21
    text = data.decode("cp932")
    assert "髙" in text and "令和" in text or "R" in text
