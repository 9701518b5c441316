"""Ingestion benchmark: a municipal CP932 CSV from upload to typed, queryable table.

`hiraku bench ingest --rows N` generates a deterministic 20-column table as
city offices publish it (Shift_JIS with CP932 extras, CRLF, 和暦 dates,
full-width digits, thousands separators, △ negatives, 有/無) once in a
scratch directory, then measures side by side, each step in its own child
process (so its peak memory is its own):

(a) CKAN XLoader's approach: decode CP932 to UTF-8 in Python, COPY into an
    all-text PostgreSQL table in a scratch database, then a B-tree index on
    every column (skipped with a note when PostgreSQL is unreachable);
(b) the floor: DuckDB reading the same rows already in UTF-8 and writing
    Parquet with its defaults, and (b') the same without insertion order,
    as Hiraku writes;
(c) Hiraku: ``ingest_file`` from the CP932 upload to typed Parquet, then a
    query that needs typed columns (a date range and numeric sums).

Nothing touches the deployment's own data.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import random
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TextIO

HEADER = [
    "ID", "施設番号", "名称", "名称カナ", "所在地", "緯度", "経度", "開設日", "更新日", "開始時間",
    "定員", "面積", "駐車場", "電話番号", "利用者数", "収支", "登録日時", "備考", "市区町村コード", "URL",
]
_WARDS = ["番町", "錦町", "髙松町", "瓦町", "扇町", "松島町", "屋島西町", "香西本町", "仏生山町", "庵治町"]
_KINDS = [("公園", "コウエン"), ("図書館", "トショカン"), ("保育所", "ホイクショ"), ("集会所", "シュウカイショ"),
          ("避難所", "ヒナンジョ"), ("公衆便所", "コウシュウベンジョ")]
_NOTES = ["", "①第２・第４月曜日休館", "㈱髙松サービスが管理", "9時～17時", "年末年始（12月29日～1月3日）休み",
          "駐輪場あり", "―"]
_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _wareki(day: dt.date, style: int) -> str:
    if day >= dt.date(2019, 5, 1):
        era, short, year = "令和", "R", day.year - 2018
    else:
        era, short, year = "平成", "H", day.year - 1988
    if style == 0:
        return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{short}{year}.{day.month}.{day.day}"


def generate_csv(path: Path, rows: int, seed: int = 37201) -> int:
    """Write the benchmark CSV (CP932, CRLF) row by row; returns its size in bytes."""
    rng = random.Random(seed)
    base = dt.date(1970, 1, 1)
    with path.open("w", encoding="cp932", newline="") as fh:
        fh.write(",".join(HEADER) + "\r\n")
        for i in range(1, rows + 1):
            kind, kana = _KINDS[i % len(_KINDS)]
            ward = _WARDS[i % len(_WARDS)]
            opened = base + dt.timedelta(days=rng.randrange(0, 20000))
            updated = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3600))
            stamp = dt.datetime(2020, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 2_000_000))
            note = _NOTES[i % len(_NOTES)]
            balance = rng.randrange(-500_000, 500_000)
            fields = [
                str(i),
                f"{i:07d}",
                f"{ward}{kind}{i}",
                f"{kana}{i}",
                f"香川県高松市{ward}{str(rng.randrange(1, 40)).translate(_FW)}番{rng.randrange(1, 30)}号",
                f"{34.15 + rng.random() * 0.3:.6f}",
                f"{133.9 + rng.random() * 0.3:.6f}",
                opened.isoformat(),
                _wareki(updated, i % 2),
                f"{rng.randrange(6, 11)}:{rng.choice(('00', '30'))}",
                f'"{rng.randrange(0, 2_000_000):,}"',
                f"{rng.randrange(1000, 9_999_999) / 100:.2f}",
                rng.choice(("有", "無")),
                f"087-{rng.randrange(800, 900)}-{rng.randrange(0, 10000):04d}",
                str(rng.randrange(0, 5000)).translate(_FW),
                f"△{-balance}" if balance < 0 else str(balance),
                stamp.strftime("%Y/%m/%d %H:%M:%S"),
                note,
                "372013",
                f"https://www.city.takamatsu.kagawa.jp/facility/{i}.html",
            ]
            fh.write(",".join(fields) + "\r\n")
    return path.stat().st_size



DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
# Relies on typed columns: a date range on a 和暦 column, sums of numbers written
# with separators, full-width digits and △, a boolean filter.
TYPED_QUERY = (
    'SELECT count(*), sum("定員"), sum("利用者数"), sum("収支"), avg("緯度"), count(*) FILTER (WHERE "駐車場") '
    "FROM data WHERE \"更新日\" BETWEEN DATE '2019-05-01' AND DATE '2020-12-31' AND \"登録日時\" >= TIMESTAMP '2021-01-01'"
)


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated CSV")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory (and database)")
    parser.add_argument("--postgres-url", default=os.environ.get("HIRAKU_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
                        help="server for the XLoader-style comparison (a scratch database is created there)")


def main(options: dict, stdout: TextIO) -> dict:
    return IngestBench(options, stdout).run()


# --- the measured steps, each run in a fresh child process --------------------

def _in_child(step, *args) -> dict:
    """Run ``step`` in a new process; its figures plus its own peak RSS."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_measured, step, *args).result()


def _measured(step, *args) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hiraku.settings")
    import django

    django.setup()
    figures = step(*args)
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def decode_to_utf8(source: str, target: str) -> float:
    """CP932 → UTF-8 the way a Python loader does it: a streaming codec."""
    started = time.perf_counter()
    decoder = codecs.getincrementaldecoder("cp932")(errors="strict")
    with open(source, "rb") as src, open(target, "wb") as out:
        while chunk := src.read(1 << 20):
            out.write(decoder.decode(chunk).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return time.perf_counter() - started


def xloader_step(source: str, scratch: str, dsn: str) -> dict:
    """Decode, COPY into an all-text table, index every column (CKAN XLoader)."""
    import psycopg

    target = str(Path(scratch) / "xloader-utf8.csv")
    decode = decode_to_utf8(source, target)
    columns = ", ".join(f'"{name}" text' for name in HEADER)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE TABLE facilities ("_id" serial PRIMARY KEY, {columns})')
        started = time.perf_counter()
        names = ", ".join(f'"{name}"' for name in HEADER)
        with conn.cursor() as cur, cur.copy(f"COPY facilities ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)") \
                as copy, open(target, "rb") as fh:
            while block := fh.read(1 << 20):
                copy.write(block)
        copy_seconds = time.perf_counter() - started
        started = time.perf_counter()
        for i, name in enumerate(HEADER):
            conn.execute(f'CREATE INDEX facilities_{i} ON facilities ("{name}")')
        index = time.perf_counter() - started
        rows = conn.execute("SELECT count(*) FROM facilities").fetchone()[0]
    return {"decode": decode, "copy": copy_seconds, "index": index, "seconds": decode + copy_seconds + index,
            "rows": rows}


def floor_step(utf8_source: str, scratch: str, in_order: bool = True) -> dict:
    """DuckDB reads the rows already in UTF-8 and writes Parquet (with DuckDB's defaults when ``in_order``).

    Hiraku writes its files out of row order (every row carries its _id), which
    lets DuckDB write in parallel; the floor without insertion order shows what
    that setting alone is worth, so the ratio can be read both ways.
    """
    import duckdb

    target = Path(scratch) / "floor.parquet"
    con = duckdb.connect(config={"threads": "2", "preserve_insertion_order": "true" if in_order else "false"})
    con.execute("SET enable_progress_bar = false")
    started = time.perf_counter()
    con.execute(f"COPY (SELECT * FROM read_csv('{utf8_source}')) TO '{target}' (FORMAT parquet)")
    seconds = time.perf_counter() - started
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{target}')").fetchone()[0]
    con.close()
    return {"seconds": seconds, "rows": rows}


def hiraku_step(source: str, scratch: str) -> dict:
    """ingest_file from the CP932 upload, then a query that needs typed columns."""
    from .ingest import ingest_file
    from .query import open_table
    from .query import run as run_query

    phases: list[tuple[str, float]] = []
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int | None) -> None:
        # "convert" has two steps: typing the columns, then writing the typed file.
        name = "write typed" if phase == "convert" and done >= 1 else phase
        if not phases or phases[-1][0] != name:
            phases.append((name, time.perf_counter() - started))

    result = ingest_file(source, "bench", Path(scratch) / "data", format="csv", progress=progress)
    ingested = time.perf_counter() - started
    table = result.table
    with open_table(result.directory / table.file) as con:
        _, answer = run_query(con, TYPED_QUERY)
    queried = time.perf_counter() - started
    return {"seconds": ingested, "query_seconds": queried - ingested, "rows": table.row_count,
            "answer": [str(v) for v in answer[0]], "types": {c.id: c.type for c in table.columns},
            "encoding": result.encoding, "phases": phases}


# --- the run -------------------------------------------------------------------

class IngestBench:
    def __init__(self, options: dict, stdout: TextIO):
        self.rows = options.get("rows") or 1_000_000
        self.keep = options.get("keep", False)
        self.postgres_url = options.get("postgres_url") or DEFAULT_POSTGRES_URL
        self.out = stdout
        self.loads: list[float] = []

    def log(self, message: str) -> None:
        self.out.write(message + "\n")
        self.out.flush()

    def load(self) -> None:
        self.loads.append(os.getloadavg()[0])

    def run(self) -> dict:
        scratch = tempfile.mkdtemp(prefix="hiraku-bench-ingest-")
        try:
            return self._run(scratch)
        finally:
            if self.keep:
                self.log(f"Kept {scratch}")
            else:
                shutil.rmtree(scratch, ignore_errors=True)

    def _run(self, scratch: str) -> dict:
        source = str(Path(scratch) / "facilities.csv")
        utf8 = str(Path(scratch) / "facilities-utf8.csv")
        started = time.perf_counter()
        size = generate_csv(Path(source), self.rows)
        decode_to_utf8(source, utf8)
        self.log(f"Generated {self.rows:,} rows, {size / 1e6:.1f} MB CP932 CRLF (and a UTF-8 copy) in "
                 f"{time.perf_counter() - started:.1f} s under {scratch}")
        self.load()
        figures: dict[str, Any] = {"rows": self.rows, "bytes": size}
        self.log("(b) floor: DuckDB reads the UTF-8 rows and writes Parquet…")
        figures["floor"] = _in_child(floor_step, utf8, scratch)
        self.load()
        self.log("(b') floor, rows written out of order as Hiraku writes them…")
        figures["floor_unordered"] = _in_child(floor_step, utf8, scratch, False)
        self.load()
        self.log("(c) Hiraku: ingest_file from the CP932 upload, then a typed query…")
        figures["hiraku"] = _in_child(hiraku_step, source, scratch)
        self.load()
        figures["xloader"] = self._xloader(source, scratch)
        self.load()
        figures["load_averages"] = list(self.loads)
        self.report(figures)
        return figures

    def _xloader(self, source: str, scratch: str) -> dict | None:
        try:
            import psycopg
        except ImportError:
            self.log("(a) XLoader comparison skipped: psycopg is not installed.")
            return None
        database = f"hiraku_bench_ingest_{os.getpid()}"
        try:
            with psycopg.connect(self.postgres_url, autocommit=True, connect_timeout=5) as admin:
                admin.execute(f'CREATE DATABASE "{database}"')
        except psycopg.Error as error:
            reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            self.log(f"(a) XLoader comparison skipped: PostgreSQL at {self.postgres_url} is unreachable ({reason}).")
            return None
        dsn = self.postgres_url.rsplit("/", 1)[0] + "/" + database
        try:
            self.log(f"(a) XLoader: decode, COPY into all-text table, index every column (database {database})…")
            return _in_child(xloader_step, source, scratch, dsn)
        finally:
            if not self.keep:
                with psycopg.connect(self.postgres_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{database}"')

    def report(self, figures: dict) -> None:
        rows = self.rows
        floor = figures["floor"]["seconds"]
        xloader = figures["xloader"]
        hiraku = figures["hiraku"]
        lines = []
        if xloader:
            lines.append(("(a) XLoader: decode + COPY (all text) + index every column", xloader))
        lines.append(("(b) floor: DuckDB UTF-8 CSV → Parquet", figures["floor"]))
        lines.append(("(b') floor, written out of row order", figures["floor_unordered"]))
        lines.append(("(c) Hiraku ingest_file: CP932 upload → typed Parquet", hiraku))
        header = f"{'step':<58}{'seconds':>9}{'rows/s':>12}{'× floor':>9}{'× XLoader':>11}{'peak RSS MB':>13}"
        self.log("")
        self.log(f"{rows:,} rows, {figures['bytes'] / 1e6:.1f} MB; 1-minute load average during the run: "
                 + ", ".join(f"{v:.2f}" for v in self.loads))
        self.log(header)
        self.log("-" * len(header))
        for label, step in lines:
            seconds = step["seconds"]
            versus_x = f"{seconds / xloader['seconds']:.2f}" if xloader else "–"
            self.log(f"{label:<58}{seconds:>9.2f}{rows / seconds:>12,.0f}{seconds / floor:>9.2f}{versus_x:>11}"
                     f"{step['peak_rss_mb']:>13.0f}")
        if xloader:
            self.log(f"    XLoader steps: decode {xloader['decode']:.2f} s, COPY {xloader['copy']:.2f} s, "
                     f"index {xloader['index']:.2f} s (PostgreSQL's own memory is not in the peak RSS)")
        phases = hiraku["phases"] + [("done", hiraku["seconds"])]
        self.log("    Hiraku phases: " + ", ".join(f"{name} from {at:.2f} s" for name, at in phases[:-1])
                 + f"; typed query {hiraku['query_seconds'] * 1000:.0f} ms")
        target = 2 * floor
        verdict = "met" if hiraku["seconds"] <= target else "missed"
        memory = "met" if hiraku["peak_rss_mb"] <= 1024 else "missed"
        self.log(f"Target ≤ 2 × floor = {target:.2f} s: {verdict} ({hiraku['seconds'] / floor:.2f} × floor, "
                 f"{hiraku['seconds'] / figures['floor_unordered']['seconds']:.2f} × the out-of-order floor); "
                 f"peak RSS ≤ 1 GiB: {memory} ({hiraku['peak_rss_mb']:.0f} MB)")
