"""`hiraku bench datastore` on a tiny table, so the benchmark cannot rot. Timing is never checked."""

import io
import json

from hiraku.core.management.commands.bench import Command
from hiraku.datastore import bench_query

RESOURCE_ID = "0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c00"


def test_request_mixes_vary_values_and_are_deterministic():
    mixes = bench_query.request_mixes(RESOURCE_ID, 40, seed=3)
    assert mixes == bench_query.request_mixes(RESOURCE_ID, 40, seed=3)
    assert {len(params) for params in mixes.values()} == {40}
    filters = {json.loads(p["filters"])[bench_query.FILTER_COLUMN] for p in mixes["filter"]}
    assert len(filters) > 3 and filters <= set(bench_query.FILTER_VALUES)
    assert all(p["limit"] == "100" and p["sort"] == bench_query.SORT for p in mixes["filter"])
    assert len({p["q"] for p in mixes["q"]}) > 10
    statements = [p["sql"] for p in mixes["sql"]]
    assert len(set(statements)) > 20 and all(f'FROM "{RESOURCE_ID}"' in s and "GROUP BY" in s for s in statements)
    points = {p["near"] for p in mixes["near"]}
    assert len(points) == 40 and all(p["radius"] == bench_query.NEAR_RADIUS_M for p in mixes["near"])


def test_postgres_layout_is_ckan_like():
    create, indexes, text_columns = bench_query.pg_schema(
        [("_id", "BIGINT"), ("名称", "VARCHAR"), ("面積", "DECIMAL(7,2)"), ("開設日", "DATE"), ("備考", "VARCHAR")])
    assert text_columns == ["名称", "備考"]
    assert '"_id" bigint PRIMARY KEY' in create and '"面積" numeric' in create and '"開設日" date' in create
    assert "_full_text tsvector" in create and "to_tsvector('simple'" in create
    assert indexes == ['CREATE INDEX ON facilities ("名称")', 'CREATE INDEX ON facilities ("備考")',
                       "CREATE INDEX ON facilities USING gin (_full_text)"]


def test_bench_datastore_runs_end_to_end():
    parser = Command().create_parser("hiraku", "bench")
    options = vars(parser.parse_args(["datastore", "--rows", "500", "--requests", "4", "--workers", "1"]))
    out = io.StringIO()
    figures = bench_query.main(options, out)
    text = out.getvalue()
    assert figures["setup"]["row_count"] == 500
    assert all(result.errors == 0 and len(result.latencies) == 4 for result in figures["http"].values())
    assert set(figures["targets"]) == {"filter", "q", "sql"}
    for label in bench_query.LABELS.values():
        assert label in text
    assert "p50 ≤ 20 ms" in text and "p50 ≤ 100 ms" in text and "p50 ≤ 200 ms" in text
    breakdown = figures["breakdown"]
    assert set(breakdown) == {"filter", "q", "sql"} and all(ms > 0 for steps in breakdown.values()
                                                            for ms in steps.values())
    assert "Where one request's time goes" in text
    postgres = figures["postgres"]
    if postgres is None:  # no PostgreSQL server here: the run says so and goes on
        assert "PostgreSQL comparison skipped" in text
        return
    answers, counts = figures["answers"], postgres["counts"]
    # The PostgreSQL statements answer the same questions as the API.
    assert counts["filter"] == answers["filter"]
    assert counts["q_ilike"] == answers["q"]
    assert counts["sql"] == answers["sql"]
    assert counts["near"] == answers["near"]  # the same distance SQL runs in PostgreSQL
    # 'simple' keeps runs of Japanese text whole, so a word inside them is not found.
    assert all(n == 0 for n in counts["q_tsvector"].values())
    assert "SQL only" in text and "'simple'" in text
