"""Datastore query benchmark: datastore_search and datastore_search_sql over HTTP on a large table.

`hiraku bench datastore --rows N` builds a scratch site (temporary data
directory, SQLite catalog), generates the ingestion benchmark's 20-column
municipal CP932 CSV with N rows, uploads it as a resource through the catalog
services (the datastore job ingests it, exactly as an upload in production),
serves the site with `hiraku serve` on loopback and times four request
kinds: an equality filter with a sort and limit=100, `q` full text with
Japanese words, a GROUP BY through datastore_search_sql, and the rows within
500 m of a point, nearest first (``near``, ``radius``). For comparison
it loads the same rows into a scratch PostgreSQL database the way CKAN's
datastore keeps a table (typed columns, a B-tree index on every text column,
a `_full_text` tsvector with a GIN index) and times the equivalent SQL
statements directly (the distance with the same arithmetic in SQL: CKAN's
datastore has no spatial query). Nothing touches the deployment's own data.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from hiraku.core.benchkit import Figures, fire, free_port, http_get, time_each, wait_until_serving

from . import spatial
from .bench import generate_csv

# Targets for a 1,000,000-row table (p50, in milliseconds); the spatial kind has none.
TARGETS = {"filter": 20.0, "q": 100.0, "sql": 200.0}
LABELS = {
    "filter": "datastore_search filter + sort + limit 100",
    "q": "datastore_search q full text",
    "sql": "GROUP BY via datastore_search_sql",
    "near": "datastore_search near + radius 500 m + limit 100",
}
NEAR_RADIUS_M = "500"

# Values present in the generated CSV (hiraku/datastore/bench.py).
FILTER_COLUMN = "備考"
FILTER_VALUES = ("①第２・第４月曜日休館", "㈱髙松サービスが管理", "9時～17時", "年末年始（12月29日～1月3日）休み",
                 "駐輪場あり", "―")
SORT = '"利用者数" desc'
Q_TERMS = ("公園", "図書館", "保育所", "集会所", "避難所", "公衆便所", "番町", "錦町", "髙松町", "瓦町", "扇町",
           "松島町", "屋島西町", "香西本町", "仏生山町", "庵治町", "駐輪場", "休館", "年末年始", "サービス",
           "トショカン", "ヒナンジョ", "公園 駐輪場", "図書館 錦町", "保育所 休館")
_WARD = "regexp_replace(\"所在地\", '^香川県高松市(.+?)[０-９].*$', '\\1')"
_KIND = "regexp_replace(\"名称カナ\", '[0-9]+$', '')"
GROUP_BY = (
    f'SELECT {_WARD} AS "地区", count(*) AS "件数", sum("利用者数") AS "利用者数計" FROM {{table}}'
    ' WHERE "開設日" >= DATE \'{year}-01-01\' GROUP BY 1 ORDER BY 1',
    f'SELECT {_KIND} AS "種別", count(*) AS "件数", sum("定員") AS "定員計", avg("面積") AS "平均面積"'
    ' FROM {table} WHERE "開設日" >= DATE \'{year}-01-01\' GROUP BY 1 ORDER BY 2 DESC',
    'SELECT "駐車場", "開始時間", count(*) AS "件数", sum("利用者数") AS "利用者数計" FROM {table}'
    ' WHERE "開設日" >= DATE \'{year}-01-01\' GROUP BY 1, 2 ORDER BY 1, 2',
    'SELECT "備考", count(*) AS "件数", sum("収支") AS "収支計" FROM {table}'
    ' WHERE "開設日" >= DATE \'{year}-01-01\' GROUP BY 1 ORDER BY 1',
)

PG_TABLE = "facilities"
COORDINATES = ("緯度", "経度")
# DuckDB type (prefix) → the column type CKAN's datastore would create.
_PG_TYPES = (("BIGINT", "bigint"), ("INTEGER", "integer"), ("DECIMAL", "numeric"), ("DOUBLE", "float8"),
             ("BOOLEAN", "boolean"), ("DATE", "date"), ("TIMESTAMP", "timestamp"), ("TIME", "time"),
             ("VARCHAR", "text"))


# --- Request mixes -----------------------------------------------------------------------

def request_mixes(resource_id: str, count: int, seed: int) -> dict[str, list[dict]]:
    """Per kind, ``count`` parameter sets; the values vary across requests and are the same for a seed."""
    rng = random.Random(seed)
    table = f'"{resource_id}"'
    return {
        "filter": [{"resource_id": resource_id, "filters": json.dumps({FILTER_COLUMN: rng.choice(FILTER_VALUES)},
                                                                      ensure_ascii=False),
                    "sort": SORT, "limit": "100"} for _ in range(count)],
        "q": [{"resource_id": resource_id, "q": rng.choice(Q_TERMS), "limit": "100"} for _ in range(count)],
        "sql": [{"sql": GROUP_BY[i % len(GROUP_BY)].format(table=table, year=rng.randrange(1970, 2020))}
                for i in range(count)],
        # Points inside the generated coordinates' range (bench.generate_csv).
        "near": [{"resource_id": resource_id, "near": f"{34.15 + rng.random() * 0.3:.4f},{133.9 + rng.random() * 0.3:.4f}",
                  "radius": NEAR_RADIUS_M, "limit": "100"} for _ in range(count)],
    }


def answer_key(params: dict) -> str:
    """What tells one request of a mix from another, for comparing answers."""
    return params.get("filters") or params.get("q") or params.get("sql") or params["near"]


def api_path(kind: str, params: dict) -> str:
    action = "datastore_search_sql" if kind == "sql" else "datastore_search"
    return f"/api/3/action/{action}?" + urlencode(params)


# --- Scratch site (runs in a child process whose settings point at the scratch directory) -----

def setup_resource(rows: int, workdir: Path, seed: int) -> dict:
    """Generate the CSV, upload it as a resource of a new dataset and let the datastore job ingest it."""
    from django.contrib.auth import get_user_model
    from django.core.files import File

    from hiraku.catalog import services as catalog
    from hiraku.catalog.models import Organization

    from .models import DatastoreTable

    source = workdir / "facilities.csv"
    started = time.perf_counter()
    size = generate_csv(source, rows, seed=seed)
    generated = time.perf_counter()
    admin = get_user_model().objects.create_superuser("bench-admin", "bench@example.jp", os.urandom(16).hex())
    Organization.objects.create(name="takamatsu-city", title="高松市", lgcode="372013")
    dataset = catalog.create_dataset(admin, {
        "name": "facilities", "title": "公共施設一覧", "organization": "takamatsu-city", "notes": "", "tags": "",
        "groups": [], "license_id": "cc-by-4.0", "standard_type": "", "update_frequency": "IRREG",
        "state": "active", "private": False,
    })
    with source.open("rb") as fh:
        # The upload's on_commit hook runs the datastore job (HIRAKU_JOBS=immediate, set by BenchRun).
        resource = catalog.add_resource(admin, dataset, {"name": "公共施設一覧"},
                                        files={"file": File(fh, name="facilities.csv")})
    uploaded = time.perf_counter()
    source.unlink()
    table = DatastoreTable.objects.get(resource=resource)
    if table.status != DatastoreTable.Status.DONE:
        raise RuntimeError(f"ingestion failed: {table.error}")
    from . import mapped
    from .services import parquet_path

    # The job built the mapped copy after publishing the version; build it again to time it alone.
    copy_started = time.perf_counter()
    mapped.build(parquet_path(table))
    copy_seconds = time.perf_counter() - copy_started
    return {"resource_id": str(resource.pk), "parquet": str(parquet_path(table)), "bytes": size,
            "row_count": table.row_count, "generate_seconds": generated - started,
            "upload_seconds": uploaded - generated, "ingest_seconds": table.seconds, "copy_seconds": copy_seconds}


# --- HTTP ---------------------------------------------------------------------------------

def _get_json(port: int, path: str) -> tuple[int, dict]:
    _seconds, status, body = http_get(port, path)
    return status, json.loads(body or b"{}")


# --- Where the time goes -------------------------------------------------------------------

DESCRIBE = "SELECT column_name, column_type FROM (DESCRIBE data)"


def request_breakdown(parquet: str, resource_id: str, mixes: dict[str, list[dict]], repeat: int = 5) -> dict:
    """Milliseconds (median of ``repeat``) of each step of one request of each kind, in process, without HTTP.

    The filter and q steps are the statements datastore_search runs (see search.search), timed apart.
    """
    from . import mapped
    from . import search as table_search
    from . import sql as sql_engine
    from .query import open_table, quote_identifier, run

    def median_ms(func, *args) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            func(*args)
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000

    def connection() -> None:
        with open_table(parquet):
            pass

    with open_table(parquet) as con:
        columns = dict(run(con, DESCRIBE)[1])
    select = ", ".join(quote_identifier(c) for c in columns)
    steps: dict[str, dict[str, float]] = {}
    for kind in ("filter", "q"):
        params = mixes[kind][0]
        request = table_search.SearchRequest(filters=json.loads(params.get("filters", "{}")), q=params.get("q"),
                                             sort=params.get("sort"), limit=100)
        clauses, args = table_search.where_clauses(request, columns)
        where = " WHERE " + " AND ".join(clauses)
        order = ", ".join(f"{quote_identifier(name)} {'DESC' if desc else 'ASC'}"
                          for name, desc in table_search.parse_sort(request.sort, columns))
        timed = {"connection (open, lock, close)": median_ms(connection)}
        with open_table(parquet) as con:
            timed["DESCRIBE"] = median_ms(run, con, DESCRIBE)
            timed["rows (ORDER BY, LIMIT 100)"] = median_ms(
                run, con, f"SELECT {select} FROM data{where} ORDER BY {order} LIMIT 100", args)
            timed["count (include_total)"] = median_ms(
                run, con, f"SELECT count(*) FROM (SELECT 1 FROM data{where})", args)
        timed["Parquet search() in all"] = median_ms(table_search.search, parquet, request)
        timed["mapped copy search() in all (what the API runs)"] = median_ms(mapped.search, parquet, request)
        steps[kind] = timed
    sql = mixes["sql"][0]["sql"]

    def resolve(name: str) -> Path | None:
        return Path(parquet) if name == resource_id else None

    prepared = sql_engine.prepare(sql, resolve)
    steps["sql"] = {"validate and rewrite (sqlglot)": median_ms(sql_engine.prepare, sql, resolve),
                    "connection, query and results": median_ms(sql_engine.run_prepared, prepared)}
    return steps


# --- PostgreSQL as CKAN's datastore keeps a table -------------------------------------------

def pg_type(duckdb_type: str) -> str:
    upper = duckdb_type.upper()
    for prefix, name in _PG_TYPES:
        if upper.startswith(prefix):
            return name
    return "text"


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def pg_schema(columns: list[tuple[str, str]]) -> tuple[str, list[str], list[str]]:
    """(CREATE TABLE, index statements, text column names) for the table's (name, DuckDB type) columns."""
    text_columns = [name for name, kind in columns if pg_type(kind) == "text"]
    definitions = []
    for name, kind in columns:
        suffix = " PRIMARY KEY" if name == "_id" else ""
        definitions.append(f"{_ident(name)} {pg_type(kind)}{suffix}")
    document = " || ' ' || ".join(f"coalesce({_ident(name)}, '')" for name in text_columns) or "''"
    definitions.append(f"_full_text tsvector GENERATED ALWAYS AS (to_tsvector('simple', {document})) STORED")
    create = f"CREATE TABLE {PG_TABLE} ({', '.join(definitions)})"
    indexes = [f"CREATE INDEX ON {PG_TABLE} ({_ident(name)})" for name in text_columns]
    indexes.append(f"CREATE INDEX ON {PG_TABLE} USING gin (_full_text)")
    return create, indexes, text_columns


def load_postgres(dsn: str, parquet: str, scratch: Path) -> tuple[float, list[str], list[str]]:
    """Copy the typed table into PostgreSQL; returns (seconds, all column names, text column names)."""
    import duckdb
    import psycopg

    started = time.perf_counter()
    dump = scratch / "postgres-load.csv"
    with duckdb.connect(":memory:") as con:
        literal = "'" + parquet.replace("'", "''") + "'"
        columns = con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({literal}))").fetchall()
        target = "'" + str(dump).replace("'", "''") + "'"
        con.execute(f"COPY (SELECT * FROM read_parquet({literal})) TO {target} (FORMAT csv, HEADER false)")
    create, indexes, text_columns = pg_schema(columns)
    names = [name for name, _ in columns]
    with psycopg.connect(dsn) as conn:
        conn.execute(create)
        with conn.cursor() as cur, cur.copy(
                f"COPY {PG_TABLE} ({', '.join(_ident(n) for n in names)}) FROM STDIN (FORMAT csv)") as copy, \
                dump.open("rb") as fh:
            while block := fh.read(1 << 20):
                copy.write(block)
        for statement in indexes:
            conn.execute(statement)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"VACUUM ANALYZE {PG_TABLE}")
    dump.unlink()
    return time.perf_counter() - started, names, text_columns


class PostgresQueries:
    """The statements CKAN's datastore would run for each request, on one connection."""

    def __init__(self, conn, names: list[str], text_columns: list[str]):
        self.conn = conn
        self.select = ", ".join(_ident(n) for n in names)
        self.document = " || ' ' || ".join(f"coalesce({_ident(n)}, '')" for n in text_columns) or "''"

    def _run(self, sql: str, args: list) -> list[tuple]:
        with self.conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall()

    def filter(self, params: dict) -> int:
        (column, value), = json.loads(params["filters"]).items()
        where = f"WHERE {_ident(column)} = %s"
        self._run(f"SELECT {self.select} FROM {PG_TABLE} {where} ORDER BY {SORT} LIMIT 100", [value])
        return self._run(f"SELECT count(*) FROM {PG_TABLE} {where}", [value])[0][0]

    def q_tsvector(self, params: dict) -> int:
        """CKAN's full text: plainto_tsquery on _full_text, ranked (here with the 'simple' configuration)."""
        query = "plainto_tsquery('simple', %s)"
        self._run(f"SELECT {self.select}, ts_rank(_full_text, query, 32) AS rank FROM {PG_TABLE}, {query} query"
                  " WHERE _full_text @@ query ORDER BY rank DESC LIMIT 100", [params["q"]])
        return self._run(f"SELECT count(*) FROM {PG_TABLE} WHERE _full_text @@ {query}", [params["q"]])[0][0]

    def q_ilike(self, params: dict) -> int:
        """The same matches as Hiraku's q: every word is a substring of the text columns (ILIKE '%word%')."""
        words = params["q"].split()
        where = " AND ".join([f"({self.document}) ILIKE %s"] * len(words))
        args = ["%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%" for w in words]
        self._run(f"SELECT {self.select} FROM {PG_TABLE} WHERE {where} ORDER BY _id LIMIT 100", args)
        return self._run(f"SELECT count(*) FROM {PG_TABLE} WHERE {where}", args)[0][0]

    def sql(self, params: dict, resource_id: str) -> int:
        return len(self._run(params["sql"].replace(f'"{resource_id}"', PG_TABLE), []))

    def near(self, params: dict) -> int:
        """Hiraku's distance and box: the same SQL (no PostGIS), on columns CKAN would not index."""
        selection = spatial.parse(params["near"], params["radius"])
        where = " AND ".join(selection.clauses(COORDINATES))
        distance = selection.distance_sql(COORDINATES)
        self._run(f"SELECT {self.select}, {distance} AS _distance FROM {PG_TABLE} WHERE {where}"
                  " ORDER BY _distance, _id LIMIT 100", [])
        return self._run(f"SELECT count(*) FROM {PG_TABLE} WHERE {where}", [])[0][0]


# --- Orchestration ------------------------------------------------------------------------

def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated table")
    parser.add_argument("--requests", type=int, default=300, help="requests to time for each request kind")
    parser.add_argument("--concurrency", type=int, default=1, help="parallel HTTP clients")
    parser.add_argument("--workers", type=int, default=None,
                        help="`hiraku serve` worker processes (default: its own default)")
    parser.add_argument("--seed", type=int, default=37201)
    parser.add_argument("--postgres-url", default=os.environ.get("HIRAKU_BENCH_POSTGRES_URL",
                                                                 "postgres://postgres@127.0.0.1:5432/postgres"),
                        help="server for the PostgreSQL comparison (a scratch database is created there)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL comparison")
    parser.add_argument("--postgres-requests", type=int, default=None,
                        help="statements to time per PostgreSQL line (default: --requests)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory and database")
    parser.add_argument("--setup-in-current-database", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)


def main(options: dict, stdout) -> dict | None:
    if options["setup_in_current_database"]:
        # Internal stage: runs in a child process whose settings point at the scratch directory.
        setup = setup_resource(options["rows"], Path(options["workdir"]), options["seed"])
        stdout.write(json.dumps(setup) + "\n")
        return None
    return BenchRun(options, stdout).run()


class BenchRun:
    def __init__(self, options: dict, stdout):
        self.options = options
        self.out = stdout
        self.scratch = Path(tempfile.mkdtemp(prefix="hiraku-bench-datastore-"))
        self.env = {key: value for key, value in os.environ.items()
                    if key not in {"DATABASE_URL", "REDIS_URL", "HIRAKU_SEARCH_BACKEND", "HIRAKU_SITE_URL"}}
        # Jobs run in process: the setup times the ingestion, and no consumer competes with the measured server.
        self.env.update(HIRAKU_DATA_DIR=str(self.scratch), HIRAKU_LOG_LEVEL="WARNING", HIRAKU_DEBUG="0",
                        HIRAKU_MAX_UPLOAD_BYTES=str(1 << 40), DJANGO_SETTINGS_MODULE="hiraku.settings",
                        HIRAKU_JOBS="immediate")
        self.load_averages: list[tuple[str, float]] = []

    def log(self, message: str = "") -> None:
        self.out.write(message + "\n")
        self.out.flush()

    def note_load(self, moment: str) -> None:
        self.load_averages.append((moment, os.getloadavg()[0]))

    def hiraku(self, *args: str) -> str:
        result = subprocess.run([sys.executable, "-m", "hiraku.cli", *args], env=self.env, capture_output=True,
                                text=True)
        if result.returncode:
            raise RuntimeError(f"hiraku {args[0]} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def run(self) -> dict:
        rows, seed = self.options["rows"], self.options["seed"]
        self.log(f"Scratch data directory: {self.scratch}")
        self.note_load("start")
        try:
            started = time.perf_counter()
            self.hiraku("migrate", "-v", "0")
            self.log(f"Generating {rows:,} rows, uploading them as a resource and ingesting them…")
            workdir = self.scratch / "work"
            workdir.mkdir()
            output = self.hiraku("bench", "datastore", "--setup-in-current-database", "--rows", str(rows),
                                 "--seed", str(seed), "--workdir", str(workdir))
            setup = json.loads(output.strip().splitlines()[-1])
            setup["setup_seconds"] = time.perf_counter() - started
            self.log(f"  setup {setup['setup_seconds']:.1f} s: CSV {setup['bytes'] / 1e6:.1f} MB generated in"
                     f" {setup['generate_seconds']:.1f} s; upload and its jobs {setup['upload_seconds']:.1f} s"
                     f" (datastore ingestion {setup['ingest_seconds']:.1f} s, queryable from then on; the mapped"
                     f" copy for datastore_search {setup['copy_seconds']:.1f} s; the rest hashes and stores the"
                     f" file and runs the quality check and indexing) for {setup['row_count']:,} rows")
            mixes = request_mixes(setup["resource_id"], self.options["requests"], seed)
            http_figures, answers = self.measure_http(mixes)
            self.log("Timing the steps of one request of each kind in process…")
            self.note_load("before the breakdown")
            breakdown = request_breakdown(setup["parquet"], setup["resource_id"], mixes)
            postgres = None if self.options["no_postgres"] else self.measure_postgres(setup, mixes, answers)
            figures = {"setup": setup, "http": http_figures, "postgres": postgres, "answers": answers,
                       "breakdown": breakdown, "load_averages": self.load_averages}
            figures["targets"] = self.report(figures)
            return figures
        finally:
            if not self.options["keep"]:
                shutil.rmtree(self.scratch, ignore_errors=True)

    def measure_http(self, mixes: dict[str, list[dict]]) -> tuple[dict[str, Figures], dict]:
        port = free_port()
        command = [sys.executable, "-m", "hiraku.cli", "serve", "--port", str(port)]
        if self.options["workers"]:
            command += ["--workers", str(self.options["workers"])]
        errors = (self.scratch / "serve.log").open("wb")
        server = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            wait_until_serving(port, server, "/api/3/action/status_show")
            answers = self.check_answers(port, mixes)
            figures = {}
            for kind, params in mixes.items():
                paths = [api_path(kind, p) for p in params]
                fire(port, paths[:10], self.options["concurrency"])  # warm-up, not counted
                self.log(f"Timing {len(paths):,} × {LABELS[kind]}, concurrency {self.options['concurrency']}…")
                self.note_load(f"before {kind}")
                figures[kind] = fire(port, paths, self.options["concurrency"])
                self.note_load(f"after {kind}")
            return figures, answers
        finally:
            server.terminate()
            server.wait(timeout=30)
            errors.close()

    def check_answers(self, port: int, mixes: dict[str, list[dict]]) -> dict:
        """What the API answers for a few requests, to compare with PostgreSQL's answers."""
        answers: dict = {kind: {} for kind in LABELS}
        for kind in answers:
            for params in mixes[kind][:5]:
                status, body = _get_json(port, api_path(kind, params))
                if status != 200 or not body.get("success"):
                    detail = json.dumps(body, ensure_ascii=False)[:500]
                    raise RuntimeError(f"{kind} request failed ({status}): {detail}")
                result = body["result"]
                answers[kind][answer_key(params)] = len(result["records"]) if kind == "sql" else result["total"]
        return answers

    def measure_postgres(self, setup: dict, mixes: dict[str, list[dict]], answers: dict) -> dict | None:
        import psycopg

        server_url = self.options["postgres_url"]
        database = f"hiraku_bench_datastore_{os.getpid()}"
        try:
            with psycopg.connect(server_url, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as error:
            self.log(f"PostgreSQL comparison skipped: the server is unreachable ({str(error).strip()})")
            return None
        dsn = server_url.rsplit("/", 1)[0] + "/" + database
        try:
            self.log(f"Loading the same rows into PostgreSQL database {database} (CKAN datastore layout)…")
            load_seconds, names, text_columns = load_postgres(dsn, setup["parquet"], self.scratch)
            self.log(f"  PostgreSQL load with indexes {load_seconds:.1f} s")
            results: dict = {"load_seconds": load_seconds}
            with psycopg.connect(dsn, autocommit=True) as conn:
                queries = PostgresQueries(conn, names, text_columns)
                runs = {
                    "filter": queries.filter,
                    "q_tsvector": queries.q_tsvector,
                    "q_ilike": queries.q_ilike,
                    "sql": lambda params: queries.sql(params, setup["resource_id"]),
                    "near": queries.near,
                }
                counts: dict = {}
                for name, func in runs.items():
                    kind = name.split("_")[0]
                    for params in mixes[kind][:5]:  # warm-up, and the answers to compare
                        counts.setdefault(name, {})[answer_key(params)] = func(params)
                    timed = mixes[kind][:self.options["postgres_requests"] or len(mixes[kind])]
                    self.log(f"Timing {len(timed):,} × PostgreSQL {name} (SQL only, one connection)…")
                    self.note_load(f"before PostgreSQL {name}")
                    results[name] = time_each(func, timed)
                    self.note_load(f"after PostgreSQL {name}")
                results["counts"] = counts
            return results
        finally:
            if not self.options["keep"]:
                with psycopg.connect(server_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

    # --- report -------------------------------------------------------------------------

    def report(self, figures: dict) -> dict[str, bool]:
        setup, http, postgres = figures["setup"], figures["http"], figures["postgres"]
        header = f"{'measurement':<56}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}{'errors':>7}  target"
        self.log()
        self.log(f"Datastore queries on {setup['row_count']:,} rows ({setup['bytes'] / 1e6:.1f} MB CP932 CSV);"
                 f" {self.options['requests']:,} requests per kind, concurrency {self.options['concurrency']};"
                 f" setup {setup['setup_seconds']:.1f} s")
        self.log("1-minute load average: " + ", ".join(f"{m} {v:.2f}" for m, v in self.load_averages))
        self.log(header)
        self.log("-" * len(header))
        met = {}
        pg_lines = {"filter": [("filter", "PostgreSQL: = on B-tree index, sort, limit + count")],
                    "q": [("q_tsvector", "PostgreSQL: _full_text @@ 'simple' tsquery + count"),
                          ("q_ilike", "PostgreSQL: ILIKE '%word%' on text columns + count")],
                    "sql": [("sql", "PostgreSQL: the same SQL")],
                    "near": [("near", "PostgreSQL: the same distance arithmetic + count")]}
        for kind, label in LABELS.items():
            result = http[kind]
            if kind not in TARGETS:
                self.line(f"{label} (HTTP)", result, "no target")
            else:
                met[kind] = result.errors == 0 and result.percentile(50) <= TARGETS[kind]
                self.line(f"{label} (HTTP)", result, f"p50 ≤ {TARGETS[kind]:g} ms: {'met' if met[kind] else 'MISSED'}")
            for name, pg_label in pg_lines[kind]:
                if postgres and name in postgres:
                    self.line("  " + pg_label, postgres[name], "SQL only")
        self.log()
        self.log("Where one request's time goes (in process, no HTTP; median of 5 runs, ms):")
        for kind, steps in figures["breakdown"].items():
            self.log(f"  {kind:<7}" + "; ".join(f"{step} {ms:.1f}" for step, ms in steps.items()))
        self.log()
        self.log("PostgreSQL figures are SQL time only (no HTTP, no JSON), on one connection, with the same")
        self.log("rows and column types. Stock PostgreSQL has no Japanese text search parser: the 'simple'")
        self.log("configuration keeps whole runs of Japanese text as one token, so its full-text search misses")
        self.log("words inside them; the ILIKE line gives the same matches as Hiraku's q (a substring of the")
        self.log("text columns) without an index.")
        if postgres:
            self.log("PostgreSQL load (COPY, B-tree and GIN indexes, VACUUM ANALYZE):"
                     f" {postgres['load_seconds']:.1f} s")
            self.log("Matching rows (Hiraku total / PostgreSQL):")
            for key, total in figures["answers"]["filter"].items():
                self.log(f"  filters={key}: {total:,} / {postgres['counts']['filter'][key]:,}")
            for key, total in figures["answers"]["q"].items():
                self.log(f"  q={key}: {total:,} / ILIKE {postgres['counts']['q_ilike'][key]:,},"
                         f" tsvector 'simple' {postgres['counts']['q_tsvector'][key]:,}")
            groups = figures["answers"]["sql"]
            same = sum(1 for key, n in groups.items() if postgres["counts"]["sql"][key] == n)
            self.log(f"  GROUP BY: {same} of {len(groups)} checked statements give as many groups in both")
            for key, total in figures["answers"]["near"].items():
                self.log(f"  near={key}: {total:,} / {postgres['counts']['near'][key]:,}")
        return met

    def line(self, label: str, figures: Figures, note: str = "") -> None:
        self.log(f"{label:<56}{figures.percentile(50):>9.1f}{figures.percentile(95):>9.1f}"
                 f"{figures.percentile(99):>9.1f}{figures.rate:>8.1f}{figures.errors:>7}  {note}")
