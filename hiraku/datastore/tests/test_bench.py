import io

from hiraku.datastore import bench


def test_bench_ingest_runs_on_a_small_table(settings):
    out = io.StringIO()
    # Port 1 is closed: the PostgreSQL comparison is skipped with a note.
    figures = bench.main({"rows": 2000, "keep": False, "postgres_url": "postgres://postgres@127.0.0.1:1/postgres"},
                         out)
    report = out.getvalue()
    assert figures["xloader"] is None and "skipped" in report
    assert figures["floor"]["rows"] == figures["floor_unordered"]["rows"] == figures["hiraku"]["rows"] == 2000
    hiraku = figures["hiraku"]
    assert hiraku["encoding"] == "cp932" and hiraku["peak_rss_mb"] > 0
    types = hiraku["types"]
    assert types["ID"] == "integer" and types["施設番号"] == "text"
    assert types["更新日"] == "date" and types["登録日時"] == "datetime" and types["開始時間"] == "time"
    assert types["定員"] == types["利用者数"] == types["収支"] == "integer"
    assert types["緯度"] == types["面積"] == "decimal"
    assert types["駐車場"] == "boolean"
    assert int(hiraku["answer"][0]) > 0  # the typed query found rows in its date range
    assert "× floor" in report and "(c) Hiraku" in report and "peak RSS" in report


def test_generated_csv_is_cp932_with_crlf(tmp_path):
    path = tmp_path / "b.csv"
    bench.generate_csv(path, 20)
    data = path.read_bytes()
    assert data.count(b"\r\n") == 21
    text = data.decode("cp932")
    assert "髙" in text and "令和" in text or "R" in text
